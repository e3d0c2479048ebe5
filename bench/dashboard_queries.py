#!/usr/bin/env python3
"""The home dashboard's metrics queries (30 days, as the web UI sends them) on a loaded
store, timed from the client (an upper bound on server time). Used by bench/dashboard.sh
(docs/benchmarks.md).

usage: dashboard_queries.py BASE_URL PUBLIC_KEY SECRET_KEY [RUNS]
Prints one markdown table row per query (median and max ms, rows answered, how it was
answered), then the whole dashboard's median, and last a JSON line with every figure."""
import base64
import concurrent.futures
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
# The range the web UI sends for "Past 30 days" (web/src/lib/metrics.ts, timeRange): from
# the start of the UTC day 30 days ago to the last millisecond of the current hour, so every
# bucket comes from the rollups and the days before today are one kept read all day long.
hour = lambda t: t.replace(minute=0, second=0, microsecond=0)
start = (now - datetime.timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
end = hour(now) + datetime.timedelta(hours=1) - datetime.timedelta(milliseconds=1)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
FROM, TO = iso(start), iso(end)


def q(view, metrics, dims=(), time=False, order=None, limit=None):
    """One query as the web UI's buildQuery makes it (series over time are ordered by time
    and limited to 1000 rows)."""
    query = {"view": view, "dimensions": [{"field": d} for d in dims],
             "metrics": [{"measure": m, "aggregation": a} for m, a in metrics],
             "filters": [], "fromTimestamp": FROM, "toTimestamp": TO,
             "timeDimension": {"granularity": "day"} if time else None,
             "orderBy": order or ([{"field": "time_dimension", "direction": "asc"}] if time else None)}
    limit = limit or (1000 if time else None)
    if limit:
        query["config"] = {"row_limit": limit}
    return query


COUNT = [("count", "count")]
PCTS = [("count", "count")] + [("latency", p) for p in ("p50", "p90", "p95", "p99")]
BY_COUNT = [{"field": "count_count", "direction": "desc"}]
# The home dashboard's cards (web/src/pages/Dashboard.tsx), in its order.
QUERIES = [
    ("traces over time", q("traces", COUNT, time=True)),
    ("observations over time", q("observations", COUNT, time=True)),
    ("errors and warnings: observations by level over time", q("observations", COUNT, ["level"], time=True)),
    ("cost over time by model", q("observations", [("totalCost", "sum")], ["providedModelName"], time=True)),
    ("tokens by model and type", q("observations", [(m, "sum") for m in ("inputTokens", "outputTokens", "cachedTokens", "reasoningTokens")],
                                   ["providedModelName"], order=[{"field": "sum_inputTokens", "direction": "desc"}], limit=50)),
    ("latency percentiles by trace name", q("traces", PCTS, ["name"], limit=50)),
    ("latency percentiles by model", q("observations", PCTS, ["providedModelName"], limit=50)),
    ("time to first token over time", q("observations", [("timeToFirstToken", p) for p in ("p50", "p90", "p95")], time=True)),
    ("top users by cost", q("traces", [("totalCost", "sum"), ("count", "count")], ["userId"],
                            order=[{"field": "sum_totalCost", "direction": "desc"}], limit=50)),
    ("score averages over time", q("scores-numeric", [("value", "avg")], ["name"], time=True)),
    ("score distributions", q("scores-numeric", [("value", "histogram")], ["name"], limit=50)),
    ("categorical score counts", q("scores-categorical", COUNT, ["name", "stringValue"], limit=100)),
    ("traces by name", q("traces", COUNT, ["name"], order=BY_COUNT, limit=50)),
] + [  # the filter bar's suggestions (web/src/components/dashboard.tsx, useOptions)
    (f"filter options: {field}", q(view, COUNT, [field], order=BY_COUNT, limit=100))
    for view, field in (("traces", "environment"), ("traces", "name"), ("traces", "userId"), ("traces", "release"),
                        ("traces", "version"), ("observations", "providedModelName"), ("traces", "tags"))
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
# The first round runs right after the server started: what the first visit costs.
first = {name: run(query)[0] for name, query in QUERIES}
figures["first round"] = round(sum(first.values()), 2)
print("| query | first ms | median ms | max ms | rows | answered from |")
print("| --- | --- | --- | --- | --- | --- |")
for name, query in QUERIES:
    times = []
    for _ in range(runs):
        ms, rows, plan = run(query)
        times.append(ms)
    figures[name] = {"first_ms": round(first[name], 2), "median_ms": round(statistics.median(times), 2),
                     "max_ms": round(max(times), 2), "rows": rows, "plan": plan}
    print(f"| {name} | {first[name]:.1f} | {statistics.median(times):.1f} | {max(times):.1f} | {rows} | {plan} |")
totals = []
for _ in range(runs):
    t0 = time.perf_counter()
    for _, query in QUERIES:
        run(query)
    totals.append((time.perf_counter() - t0) * 1000)
print(f"| **whole home dashboard ({len(QUERIES)} queries, one after another)** | {figures['first round']:.1f} | {statistics.median(totals):.1f} | {max(totals):.1f} | | |")
figures["whole dashboard, sequential"] = {"median_ms": round(statistics.median(totals), 2), "max_ms": round(max(totals), 2)}
# A browser sends them at once over up to 6 connections: what a person waits for.
parallel = []
with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
    for _ in range(runs):
        t0 = time.perf_counter()
        list(pool.map(lambda nq: run(nq[1]), QUERIES))
        parallel.append((time.perf_counter() - t0) * 1000)
print(f"| **whole home dashboard, 6 at a time (as a browser loads it)** | | {statistics.median(parallel):.1f} | {max(parallel):.1f} | | |")
figures["whole dashboard, 6 at a time"] = {"median_ms": round(statistics.median(parallel), 2), "max_ms": round(max(parallel), 2)}
print(json.dumps(figures))
