#!/usr/bin/env python3
"""The web UI's queries on a loaded store, timed from the client (an upper bound on server
time): traces first page, filtered pages, a deep page, a trace with 200 observations, full
text search, observations, sessions and users. Used by bench/ui.sh (docs/benchmarks.md).

usage: ui_queries.py BASE_URL PROJECT_ID EMAIL PASSWORD DETAIL_TRACE_ID SEARCH_WORD [RUNS]
Prints one markdown table row per query and, last, a JSON line with every figure."""
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

base, project, email, password, detail_id, word = sys.argv[1:7]
runs = int(sys.argv[7]) if len(sys.argv) > 7 else 15


def request(method, path, body=None, cookie=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data:
        req.add_header("Content-Type", "application/json")
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.status, res.headers, res.read()


status, headers, _ = request("POST", "/api/ui/auth/login", {"email": email, "password": password})
cookie = "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))
p = f"/api/ui/projects/{urllib.parse.quote(project)}"

status, _, body = request("GET", f"{p}/traces?limit=1", cookie=cookie)
total = json.loads(body)["meta"]["totalItems"]
some = json.loads(request("GET", f"{p}/traces?limit=50&page=3", cookie=cookie)[2])["data"]
user = next(t["userId"] for t in some if t.get("userId"))
session = next(t["sessionId"] for t in some if t.get("sessionId"))
day_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
deep = max(1, min(total // 50, 2000))

queries = [
    ("traces, first page (50)", f"{p}/traces?limit=50"),
    ("traces, filtered by user", f"{p}/traces?limit=50&userId={urllib.parse.quote(user)}"),
    ("traces, filtered by session", f"{p}/traces?limit=50&sessionId={urllib.parse.quote(session)}"),
    ("traces, name + environment + last 24 h", f"{p}/traces?limit=50&name=rag-query&environment=production&fromTimestamp={day_ago}"),
    ("traces, tag", f"{p}/traces?limit=50&tags=rag"),
    ("traces, metadata app = support-bot (every trace)", f"{p}/traces?limit=50&metadata.app=support-bot"),
    ("traces, metadata experiment = Z (no trace)", f"{p}/traces?limit=50&metadata.experiment=Z"),
    ("traces, last 10 minutes, sorted by name", f"{p}/traces?limit=50&fromTimestamp={hour_ago}&orderBy=name.asc"),
    (f"traces, deep page ({deep})", f"{p}/traces?limit=50&page={deep}"),
    ("trace detail, 200 observations", f"{p}/traces/{urllib.parse.quote(detail_id)}"),
    (f"full-text search \"{word}\"", f"{p}/traces?limit=50&search={urllib.parse.quote(word)}"),
    ("full-text search, 2 characters", f"{p}/traces?limit=50&search=qz"),
    ("observations, generations first page", f"{p}/observations?type=GENERATION&limit=50"),
    ("observations, model + min latency", f"{p}/observations?type=GENERATION&model=gpt-4o&minLatency=0.5&limit=50"),
    ("sessions list", f"{p}/ui-sessions?limit=50"),
    ("users list", f"{p}/users?limit=50"),
]

figures = {"traces": total}
print("| query | median ms | p95 ms | max ms | items |")
print("| --- | --- | --- | --- | --- |")
for label, path in queries:
    times = []
    items = None
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            status, _, body = request("GET", path, cookie=cookie)
        except Exception as e:  # a query that times out is reported, not fatal
            print(f"| {label} | failed: {e} | | | |", flush=True)
            break
        times.append((time.perf_counter() - t0) * 1000)
        if items is None:
            doc = json.loads(body)
            items = doc.get("meta", {}).get("totalItems", len(doc.get("observations", [])) if "observations" in doc else None)
    if not times or len(times) < runs:
        continue
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * (len(times) - 1) + 0.5))]
    print(f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} | {items} |", flush=True)
    figures[label] = {"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2), "items": items}
print(json.dumps(figures))
