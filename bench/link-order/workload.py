#!/usr/bin/env python3
"""The requests scripts/link-order sends to `ripcord serve` running under callgrind, after its
start and idle: what a running Ripcord does (probes, /metrics, a deployment recorded, webhooks that
are new, duplicate and resolved, a rollback run by its command executor, the reader's API) and 400
deliveries of bench/intake's load, so that the request path's functions weigh most in the order.

  workload.py PORT ALERTMANAGER_TOKEN DEPLOYER_TOKEN READER_TOKEN
"""
import http.client, json, sys, time
from datetime import datetime, timedelta, timezone

port, am_token, deployer_token, reader_token = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
LOAD = 400   # deliveries of the intake load


def request(method, path, token=None, body=None, expect=(200, 201)):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, body, headers)
    r = c.getresponse(); text = r.read(); c.close()
    if r.status not in expect:
        sys.exit("%s %s: %d %s" % (method, path, r.status, text[:200]))
    return text


def delivery(status, starts, pods):
    alerts = [{"status": status, "labels": {"alertname": "HighErrorRate", "namespace": "prod", "pod": pod,
                                            "service": "checkout", "severity": "critical"},
               "annotations": {"summary": "5xx rate above 5% on checkout"},
               "startsAt": starts, "endsAt": starts if status == "resolved" else "0001-01-01T00:00:00Z",
               "generatorURL": "http://prometheus.example:9090/graph", "fingerprint": "%016x" % (i + 1)}
              for i, pod in enumerate(pods)]
    return json.dumps({"receiver": "rollback-webhook", "status": status, "alerts": alerts,
                       "groupLabels": {"alertname": "HighErrorRate"},
                       "commonLabels": {"alertname": "HighErrorRate", "service": "checkout"},
                       "commonAnnotations": {}, "externalURL": "http://alertmanager.example:9093",
                       "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}",
                       "truncatedAlerts": 0}).encode()


for path in ("/-/healthy", "/-/ready", "/metrics"):
    request("GET", path)
request("POST", "/api/v1/deployments", deployer_token, json.dumps({
    "service": "checkout", "namespace": "prod", "version": "1.4.2", "previous_version": "1.4.1",
    "soak": "1h", "idempotency_key": "link-order"}).encode())
request("GET", "/api/v1/deployments?service=checkout", reader_token)
time.sleep(1.1)   # alerts start after the deployment (blame_preexisting: false)
starts = (datetime.now(timezone.utc) - timedelta(milliseconds=200)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
firing = delivery("firing", starts, ["checkout-1", "checkout-2", "checkout-3"])
request("POST", "/api/v1/alertmanager", am_token, firing)
request("POST", "/api/v1/alertmanager", am_token, firing)          # Alertmanager HA's duplicate
request("POST", "/api/v1/alertmanager", am_token, b'{"alerts": 3}', expect=(400,))
# The intake load of bench/intake: new 3-alert deliveries for a service without a deployment, on
# one kept-alive connection (as Alertmanager sends), and their duplicates.
load = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for i in range(LOAD):
    body = delivery("firing", starts, ["cart-1", "cart-2", "cart-3"]).replace(b'"checkout"', b'"cart"')
    body = body.replace(b'"groupKey": "', b'"groupKey": "%d:' % (i // 2))   # every other one a duplicate
    load.request("POST", "/api/v1/alertmanager", body,
                 {"Authorization": "Bearer " + am_token, "Content-Type": "application/json"})
    r = load.getresponse(); text = r.read()
    if r.status != 200:
        sys.exit("load delivery %d: %d %s" % (i, r.status, text[:200]))
load.close()
time.sleep(2)     # the rollback's executor runs
request("POST", "/api/v1/alertmanager", am_token, delivery("resolved", starts, ["checkout-1"]))
for path in ("/api/v1/deliveries?limit=10", "/api/v1/deliveries/1", "/api/v1/rollbacks",
             "/api/v1/rollbacks/1", "/api/v1/audit?service=checkout", "/api/v1/deployments/1"):
    request("GET", path, reader_token)
request("GET", "/api/v1/audit", None, expect=(401,))
request("GET", "/metrics")
