"""A/B of two checkouts: CPU time per request, in-process, alternating batches (see README).

    .venv/bin/python bench/compare.py OTHER_CHECKOUT [PAGE ...]

`make bench`'s wrk rounds cannot see a difference of a few percent while other work shares the
CPUs. Here one process per checkout (this one is B, OTHER_CHECKOUT is A, both with this
checkout's .venv) renders the same page through Flask's test client, in batches that alternate
A, B, B, A, ...; each pair's B/A ratio of CPU time (`time.process_time`) is taken, and the
median is printed with its quartiles. Both read one demo database, built first as `make bench`
builds its own. BENCH_PAIRS (default 60) and BENCH_BATCH (20 requests) change the load.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PAIRS = int(os.environ.get("BENCH_PAIRS", "60"))
BATCH = int(os.environ.get("BENCH_BATCH", "20"))
# name: (user, path, language)
PAGES = {
    "class": ("teacher", "/classes/1", "zh_CN"),
    "class_en": ("teacher", "/classes/1", "en"),
    "home": ("teacher", "/", "zh_CN"),
    "login": (None, "/login", "zh_CN"),
    "contacts": ("teacher", "/contacts", "zh_CN"),
    "worklist": ("teacher", "/worklist", "zh_CN"),
    "coverage": ("principal", "/schools/1/coverage", "zh_CN"),
}

# Runs inside each checkout: reads "page n" lines, answers the CPU microseconds per request.
WORKER = """
import sys, time
from gridapp.app import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
pages = %r
clients = {}
print("ready", flush=True)
for line in sys.stdin:
    name, n = line.split()
    user, path, lang = pages[name]
    if (user, lang) not in clients:
        c = clients[(user, lang)] = app.test_client()
        c.environ_base["HTTP_USER_AGENT"] = "gridapp-bench"
        if user:
            c.post("/login", data={"username": user, "password": "gridapp-demo"})
        c.post("/lang", data={"lang": lang})
    c = clients[(user, lang)]
    t = time.process_time()
    for _ in range(int(n)):
        r = c.get(path)
    assert r.status_code == 200, (path, r.status_code)
    print((time.process_time() - t) / int(n) * 1e6, flush=True)
"""


def main() -> None:
    other = Path(sys.argv[1]).resolve()
    names = sys.argv[2:] or ["class", "class_en", "home", "login"]
    work = Path(tempfile.mkdtemp(prefix="gridapp-compare-"))
    env = {**os.environ, "GRIDAPP_INSTANCE": str(work), "FLASK_APP": "wsgi", "SECRET_KEY": "x"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    flask = [str(PYTHON), "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["demo-data"], env=env, cwd=ROOT, check=True, capture_output=True)

    def start(checkout: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            [str(PYTHON), "-c", WORKER % (PAGES,)],
            cwd=checkout,
            env={**env, "PYTHONPATH": str(checkout)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        return proc

    a, b = start(other), start(ROOT)

    def run(proc: subprocess.Popen, name: str, n: int) -> float:
        proc.stdin.write(f"{name} {n}\n")
        proc.stdin.flush()
        return float(proc.stdout.readline())

    print(f"A = {other}, B = {ROOT}; {PAIRS} pairs of {BATCH} requests (slow pages: fewer)")
    for name in names:
        n = BATCH if name not in ("worklist", "coverage") else max(2, BATCH // 10)
        run(a, name, 5), run(b, name, 5)  # warm: templates compiled, caches filled
        times_a, times_b, ratios = [], [], []
        for k in range(PAIRS):
            first, second = (a, b) if k % 2 == 0 else (b, a)
            t1, t2 = run(first, name, n), run(second, name, n)
            ta, tb = (t1, t2) if first is a else (t2, t1)
            times_a.append(ta)
            times_b.append(tb)
            ratios.append(tb / ta)
        q1, _q2, q3 = statistics.quantiles(ratios, n=4)
        print(
            f"{name:<10} A {statistics.median(times_a):7.0f} µs  B {statistics.median(times_b):7.0f}"
            f" µs  B/A {statistics.median(ratios):.3f} (quartiles {q1:.3f}–{q3:.3f})",
            flush=True,
        )
    for proc in (a, b):
        proc.stdin.close()
        proc.wait()


if __name__ == "__main__":
    main()
