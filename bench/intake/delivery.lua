-- wrk script for bench/intake: POSTs a 3-alert Alertmanager 0.25 webhook (the captures' shape).
--   wrk ... -s delivery.lua -- unique|identical NONCE [DELAY_MS]
-- unique:    every request's groupKey carries NONCE-THREAD-COUNTER, so every body is a new delivery
--            (the main figure: each is parsed, stored with its alerts and audited).
-- identical: one body for every request; after the first, each is a duplicate (Alertmanager HA/retries).
-- DELAY_MS (optional) paces each connection: it waits that long before each request (scripts/soak
-- uses it to hold a rate: connections x 1000 / DELAY_MS requests/s at most).
-- The token comes from $RIPCORD_BENCH_TOKEN.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function alert(pod, fingerprint, ratio, starts)
  return '{"status":"firing","labels":{"alertname":"HighErrorRate","namespace":"prod","pod":"' .. pod ..
    '","service":"checkout","severity":"critical"},"annotations":{"description":"checkout error ratio is ' .. ratio ..
    ' (threshold 5%)","runbook_url":"https://runbooks.example/HighErrorRate","summary":"5xx rate above 5% on checkout"},' ..
    '"startsAt":"' .. starts .. '","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example:9090/graph?g0.expr=job%3Acheckout_http_errors%3Arate5m+%3E+0.05",' ..
    '"fingerprint":"' .. fingerprint .. '"}'
end

local head = '{"receiver":"rollback-webhook","status":"firing","alerts":[' ..
  alert("checkout-7d9f-abc12", "d51e79fea960bb85", "12.3%", "2026-11-27T00:15:04.945209345Z") .. ',' ..
  alert("checkout-7d9f-def34", "b6abf07f08f6485a", "9.8%", "2026-11-27T00:15:08.96934448Z") .. ',' ..
  alert("checkout-7d9f-ghi56", "0c4e2b7a91d3f568", "7.1%", "2026-11-27T00:15:11.302119876Z") ..
  '],"groupLabels":{"alertname":"HighErrorRate","service":"checkout"},' ..
  '"commonLabels":{"alertname":"HighErrorRate","namespace":"prod","service":"checkout","severity":"critical"},' ..
  '"commonAnnotations":{"runbook_url":"https://runbooks.example/HighErrorRate","summary":"5xx rate above 5% on checkout"},' ..
  '"externalURL":"http://127.0.0.1:9093","version":"4","groupKey":"{}:{alertname=\\"HighErrorRate\\", service=\\"checkout\\", seq=\\"'
local tail = '\\"}","truncatedAlerts":0}\n'

local mode, nonce, counter, fixed, pause = "unique", "0", 0, nil, nil

function init(args)
  mode = args[1] or "unique"
  nonce = args[2] or tostring(os.time())
  pause = tonumber(args[3] or "")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["User-Agent"] = "Alertmanager/0.25.0"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("RIPCORD_BENCH_TOKEN") or "bench-token")
  if mode == "identical" then
    fixed = wrk.format(nil, nil, nil, head .. nonce .. "-same" .. tail)
  end
end

function delay()
  return pause or 0
end

function request()
  if fixed then return fixed end
  counter = counter + 1
  return wrk.format(nil, nil, nil, head .. nonce .. "-" .. tid .. "-" .. counter .. tail)
end
