"""Shared parts of the fake `helm` and `kubectl` used by Ripcord's tests.

The state is one JSON file (FAKE_KUBE_STATE, default state.json next to the programs); every call is
appended as one JSON line {"tool": ..., "argv": [...]} to FAKE_KUBE_LOG (default calls.jsonl).
"""
import contextlib
import fcntl
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(sys.argv[0]))
STATE = os.environ.get("FAKE_KUBE_STATE", os.path.join(HERE, "state.json"))
LOG = os.environ.get("FAKE_KUBE_LOG", os.path.join(HERE, "calls.jsonl"))
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


class Usage(Exception):
    """A command line the real tool would refuse."""


def log_call(tool, argv):
    with open(LOG, "a", encoding="utf-8") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.write(json.dumps({"tool": tool, "argv": argv, "attempt": os.environ.get("RIPCORD_ATTEMPT")}) + "\n")


@contextlib.contextmanager
def state(write=False):
    """The state, locked while in use; written back when `write`."""
    with open(STATE + ".lock", "a+", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(STATE, encoding="utf-8") as f:
            data = json.load(f)
        yield data
        if write:
            tmp = STATE + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, sort_keys=True)
            os.replace(tmp, STATE)


def parse(args, flags, shorts):
    """pflag-style parsing: flags anywhere, --name=value or --name value, -x value or -xvalue.

    flags: name -> "bool" or "value"; shorts: letter -> name. Returns (positional, values).
    """
    positional, values = [], {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            positional += args[i + 1:]
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            kind = flags.get(name)
            if kind is None:
                raise Usage(f"unknown flag: --{name}")
            if kind == "bool":
                if eq and value not in ("true", "false"):
                    raise Usage(f'invalid argument "{value}" for "--{name}" flag: strconv.ParseBool: parsing "{value}": invalid syntax')
                values[name] = value != "false"
            else:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise Usage(f"flag needs an argument: --{name}")
                    value = args[i]
                values[name] = value
        elif arg.startswith("-") and len(arg) > 1:
            letter = arg[1]
            name = shorts.get(letter)
            if name is None:
                raise Usage(f"unknown shorthand flag: '{letter}' in {arg}")
            rest = arg[2:]
            if flags[name] == "bool":
                if rest:
                    raise Usage(f"unknown shorthand flag: '{rest[0]}' in {arg}")
                values[name] = True
            else:
                value = rest[1:] if rest.startswith("=") else rest
                if not value:
                    i += 1
                    if i >= len(args):
                        raise Usage(f"flag needs an argument: '{letter}' in -{letter}")
                    value = args[i]
                values[name] = value
        else:
            positional.append(arg)
        i += 1
    return positional, values


def duration_seconds(text):
    """Seconds of a Go duration such as 240s, 4m or 1h30m."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)", text))


def require_target(tool, values, context_flag):
    """Ripcord must always name the namespace and context (never the kubeconfig's defaults)."""
    missing = [f for f, key in (("-n/--namespace", "namespace"), (f"--{context_flag}", context_flag)) if not values.get(key)]
    if missing:
        print(f"fake {tool}: refusing a call without {' and '.join(missing)}: Ripcord must never rely on the kubeconfig's defaults",
              file=sys.stderr)
        sys.exit(2)


def check_context(data, context, message):
    """Exits like the tool does for a kubeconfig context that does not exist."""
    contexts = data.get("contexts")
    if contexts is not None and context not in contexts:
        print(message.format(context=context), file=sys.stderr)
        sys.exit(1)
