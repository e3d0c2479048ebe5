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
    ("traces, last 24 h, sorted by name", f"{p}/traces?limit=50&fromTimestamp={day_ago}&orderBy=name.asc"),
    (f"traces, deep page ({deep})", f"{p}/traces?limit=50&page={deep}"),
    ("trace detail, 200 observations", f"{p}/traces/{urllib.parse.quote(detail_id)}"),
    (f"full-text search \"{word}\"", f"{p}/traces?limit=50&search={urllib.parse.quote(word)}"),
    ("full-text search, 2 characters", f"{p}/traces?limit=50&search=qz"),
    # The index keeps trigrams without positions: matches are checked against their text.
    ("full-text search, rare \"zebra-marker\"", f"{p}/traces?limit=50&search=zebra-marker"),
    ("full-text search, two words \"refund policy\"", f"{p}/traces?limit=50&search=refund%20policy"),
    ("full-text search, common words seldom side by side", f"{p}/traces?limit=50&search=policy%20refund%20invoice%20shipping"),
    ("observations, generations first page", f"{p}/observations?type=GENERATION&limit=50"),
    ("observations, model + min latency", f"{p}/observations?type=GENERATION&model=gpt-4o&minLatency=0.5&limit=50"),
    ("sessions list", f"{p}/ui-sessions?limit=50"),
    ("users list", f"{p}/users?limit=50"),
]

figures = {"traces": total}


def timed(path, n):
    """Median and p95 (ms) of n requests, and the last answer; None when one fails."""
    times, doc = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            _, _, body = request("GET", path, cookie=cookie)
        except Exception as e:  # a query that times out is reported, not fatal
            return None, str(e)
        times.append((time.perf_counter() - t0) * 1000)
        doc = json.loads(body)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * (len(times) - 1) + 0.5))]
    return (statistics.median(times), p95, times[-1]), doc


# The traces and observations tables ask for their page (total=false) and its total
# (total=only) apart, as the web UI does: both are timed. Other pages carry their total.
print("| query | page median ms | page p95 ms | page max ms | total median ms | items |")
print("| --- | --- | --- | --- | --- | --- |")
for label, path in queries:
    split = ("/traces?" in path or "/observations?" in path)
    page_path = path + "&total=false" if split else path
    page, doc = timed(page_path, runs)
    if page is None:
        print(f"| {label} | failed: {doc} | | | | |", flush=True)
        continue
    total_ms, items = "", None
    if split:
        counted, total_doc = timed(path + "&total=only", max(3, runs // 3))
        if counted is None:
            total_ms = f"failed: {total_doc}"
        else:
            total_ms = f"{counted[0]:.1f}"
            items = total_doc["meta"]["totalItems"]
    elif "meta" in doc:
        items = doc["meta"]["totalItems"]
    elif "observations" in doc:
        items = len(doc["observations"])
    print(f"| {label} | {page[0]:.1f} | {page[1]:.1f} | {page[2]:.1f} | {total_ms} | {items} |", flush=True)
    figures[label] = {"median_ms": round(page[0], 2), "p95_ms": round(page[1], 2), "items": items,
                      "total_median_ms": total_ms}
print(json.dumps(figures))
