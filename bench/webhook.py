"""Alertmanager version 4 webhook bodies for the Python load clients (bench/crash, bench/storm),
shaped like the recorded captures: firing HighErrorRate alerts of one service in namespace prod."""
import hashlib, json


def fingerprint(labels):
    """16 hex characters hashing the label set, as Alertmanager's fingerprints look."""
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def alert(service, pod, starts_at, annotations, generator_url):
    labels = {"alertname": "HighErrorRate", "namespace": "prod", "pod": pod, "service": service, "severity": "critical"}
    return {"status": "firing", "labels": labels, "annotations": annotations, "startsAt": starts_at,
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": generator_url, "fingerprint": fingerprint(labels)}


def notification(service, alerts, group_key, common_annotations):
    """The body (bytes) of one delivery carrying `alerts` for `service`'s group."""
    group = {"receiver": "rollback-webhook", "status": "firing", "alerts": alerts,
             "groupLabels": {"alertname": "HighErrorRate", "service": service},
             "commonLabels": {"alertname": "HighErrorRate", "namespace": "prod", "service": service, "severity": "critical"},
             "commonAnnotations": common_annotations, "externalURL": "http://127.0.0.1:9093", "version": "4",
             "groupKey": group_key, "truncatedAlerts": 0}
    return (json.dumps(group, separators=(",", ":")) + "\n").encode()
