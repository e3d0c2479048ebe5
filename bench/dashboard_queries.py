#!/usr/bin/env python3
"""The home dashboard's metrics queries (30 days) on a loaded store, timed from the client
(an upper bound on server time). Used by bench/dashboard.sh (docs/benchmarks.md).

usage: dashboard_queries.py BASE_URL PUBLIC_KEY SECRET_KEY [RUNS]
Prints one markdown table row per query (median and max ms, rows answered, how it was
answered), then the whole dashboard's median, and last a JSON line with every figure."""
import base64
import datetime
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

base, pk, sk = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 15
auth = "Basic " + base64.b64encode(f"{pk}:{sk}".encode()).decode()

now = datetime.datetime.now(datetime.timezone.utc)
# The dashboard asks for whole hours: the end of the current hour (nothing is stored after
# now) back 30 days, so every bucket comes from the rollups.
end = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
start = end - datetime.timedelta(days=30)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
FROM, TO = iso(start), iso(end - datetime.timedelta(milliseconds=1))  # ...:59:59.999Z


def q(view, metrics, dims=(), granularity=None, filters=(), order=None, limit=None):
    query = {"view": view, "dimensions": [{"field": d} for d in dims],
             "metrics": [{"measure": m, "aggregation": a} for m, a in metrics],
             "filters": list(filters), "fromTimestamp": FROM, "toTimestamp": TO}
    if granularity:
        query["timeDimension"] = {"granularity": granularity}
    if order:
        query["orderBy"] = order
    if limit:
        query["config"] = {"row_limit": limit}
    return query


PCTS = [("latency", p) for p in ("p50", "p90", "p95", "p99")]
GEN = [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}]
QUERIES = [
    ("traces total", q("traces", [("count", "count")])),
    ("observations total", q("observations", [("count", "count")])),
    ("total cost", q("observations", [("totalCost", "sum")])),
    ("traces over time", q("traces", [("count", "count")], granularity="day")),
    ("observations over time by type", q("observations", [("count", "count")], ["type"], "day", limit=1000)),
    ("errors and warnings over time", q("observations", [("count", "count")], ["level"], "day",
                                        [{"column": "level", "operator": "any of", "value": ["ERROR", "WARNING"], "type": "stringOptions"}], limit=1000)),
    ("cost over time by model", q("observations", [("totalCost", "sum")], ["providedModelName"], "day", limit=1000)),
    ("tokens by model and type", q("observations", [("inputTokens", "sum"), ("outputTokens", "sum"), ("cachedTokens", "sum"), ("reasoningTokens", "sum")], ["providedModelName"])),
    ("latency percentiles by trace name", q("traces", PCTS, ["name"])),
    ("latency percentiles by model", q("observations", PCTS, ["providedModelName"], filters=GEN)),
    ("time to first token by model", q("observations", [("timeToFirstToken", "p50"), ("timeToFirstToken", "p95")], ["providedModelName"], filters=GEN)),
    ("top users by cost", q("traces", [("totalCost", "sum"), ("count", "count")], ["userId"], order=[{"field": "sum_totalCost", "direction": "desc"}], limit=10)),
    ("score averages over time", q("scores-numeric", [("value", "avg")], ["name"], "day", limit=1000)),
    ("categorical score counts", q("scores-categorical", [("count", "count")], ["name", "stringValue"])),
]


def run(query):
    url = base + "/api/public/metrics?query=" + urllib.parse.quote(json.dumps(query))
    req = urllib.request.Request(url, headers={"Authorization": auth})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as res:
        body = res.read()
        plan = res.headers.get("X-Lanterne-Metrics", "")
    return (time.perf_counter() - t0) * 1000, len(json.loads(body)["data"]), plan


figures = {}
print("| query | median ms | max ms | rows | answered from |")
print("| --- | --- | --- | --- | --- |")
for name, query in QUERIES:
    run(query)  # warm
    times = []
    for _ in range(runs):
        ms, rows, plan = run(query)
        times.append(ms)
    figures[name] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2), "rows": rows, "plan": plan}
    print(f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} | {rows} | {plan} |")
totals = []
for _ in range(runs):
    t0 = time.perf_counter()
    for _, query in QUERIES:
        run(query)
    totals.append((time.perf_counter() - t0) * 1000)
print(f"| **whole home dashboard ({len(QUERIES)} queries, sequential)** | {statistics.median(totals):.1f} | {max(totals):.1f} | | |")
figures["whole dashboard"] = {"median_ms": round(statistics.median(totals), 2), "max_ms": round(max(totals), 2)}
print(json.dumps(figures))
