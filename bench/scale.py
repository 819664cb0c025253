"""`make bench-scale`: GridApp's figures at district scale on PostgreSQL (issue 17).

Creates a PostgreSQL database of its own on 127.0.0.1 (dropped after), migrates it, loads the
bulk district (`flask demo-data --scale district`: 100 schools, 200,000 students, 2,000,000
contacts; BENCH_SCALE=county or BENCH_SCHOOLS=N for smaller), refreshes every school's kept
coverage once (the background task's work, timed), starts GridApp under gunicorn and loads each
page with a bounded load: BENCH_REQUESTS requests per page from BENCH_CLIENTS clients at once.
Server time is measured at the app: gunicorn's access log gives each request's time (%(D)s, µs);
p50 and p99 over the page's requests. Writes bench/results/scale.json and prints a table; exits
non-zero when a page's p50 is over its target.

    make bench-scale                          # the district preset (about 5 minutes to load)
    BENCH_SCALE=county make bench-scale       # 25 schools
    BENCH_SCHOOLS=10 make bench-scale         # any number of schools of 2,000 students
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BIN, USER_AGENT, gunicorn, session_cookie, stop  # noqa: E402

PORT = 8121
SCALE = os.environ.get("BENCH_SCALE", "district")
SCHOOLS = os.environ.get("BENCH_SCHOOLS")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB = f"gridapp_bench_scale_{os.getpid()}"

# name, user, path, target p50 in ms (the "server time measured at the app")
PAGES = [
    ("district ranking", "district", "/district/coverage", 500),
    ("district dashboard", "district", "/", 500),
    ("school coverage", "principal", "/schools/{school}/coverage", 200),
    ("school dashboard", "principal", "/schools/{school}", 200),
    ("families: teacher rule", "principal", "/schools/{school}/coverage/families?rule=teacher", 200),
    ("families: focus rule, p.2", "principal", "/schools/{school}/coverage/families?rule=focus&page=2", 200),
    ("families: two-year rule", "principal", "/schools/{school}/coverage/families?rule=two_years", 200),
    ("teacher worklist", "teacher", "/worklist", 100),
]  # fmt: skip


def psql(sql: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def flask(env: dict, *args: str) -> str:
    out = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return out.stdout + out.stderr


def refresh(env: dict) -> dict:
    """Every school's kept coverage, once, in-process (the periodic task's work), timed."""
    code = (
        "import json, time\n"
        "from gridapp.app import create_app\n"
        "from gridapp.core.time import today\n"
        "from gridapp.extensions import db\n"
        "from gridapp.reports import snapshots\n"
        "from gridapp.schools.models import School\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    t = time.perf_counter(); n = snapshots.refresh_all(today()); db.session.commit()\n"
        "    school = db.session.scalar(db.select(School.id).order_by(School.id))\n"
        "    print(json.dumps({'schools': n, 'seconds': round(time.perf_counter() - t, 1),"
        " 'first_school': school}))\n"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def load(url: str, cookie: str) -> list[float]:
    """REQUESTS requests to `url` from CLIENTS threads; their round-trip times in ms."""
    times: list[float] = []
    lock = threading.Lock()
    left = [REQUESTS]

    def client() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            req = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                assert r.status == 200, (url, r.status)
            with lock:
                times.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def server_times(log: Path, path: str, since: int) -> list[float]:
    """The app's times (ms) of the requests for `path` logged after line `since`."""
    out = []
    for line in log.read_text().splitlines()[since:]:
        logged, query, micros = line.rsplit(" ", 2)
        if (f"{logged}?{query}" if query else logged) == path:
            out.append(int(micros) / 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="gridapp-bench-scale-"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
    env = {**os.environ, "DATABASE_URL": url, "GRIDAPP_INSTANCE": str(work), "SECRET_KEY": "b"}
    env.pop("REDIS_URL", None)
    psql(f'DROP DATABASE IF EXISTS "{DB}"')
    psql(f'CREATE DATABASE "{DB}"')
    results: dict = {"scale": SCALE, "requests": REQUESTS, "clients": CLIENTS, "pages": {}}
    try:
        flask(env, "db", "upgrade")
        args = ["demo-data", "--scale", SCALE] + (["--schools", SCHOOLS] if SCHOOLS else [])
        t = time.perf_counter()
        results["load"] = {"output": flask(env, *args).strip().splitlines()[-1:]}
        results["load"]["seconds"] = round(time.perf_counter() - t, 1)
        print(f"loaded in {results['load']['seconds']} s: {results['load']['output']}", flush=True)
        results["refresh"] = refresh(env)
        print(f"kept coverage refreshed: {results['refresh']}", flush=True)
        school = results["refresh"]["first_school"]
        log = work / "access.log"
        env_app = {
            **env,
            "GUNICORN_CMD_ARGS": f"--access-logfile {log} --access-logformat '%(U)s %(q)s %(D)s'",
        }
        pidfile = work / "app.pid"
        app = gunicorn("wsgi:app", PORT, pidfile, env_app)
        try:
            cookies = {}
            for name, user, path, target in PAGES:
                path = path.format(school=school)
                if user not in cookies:
                    cookies[user] = session_cookie(PORT, user)
                full = f"http://127.0.0.1:{PORT}{path}"
                load(full, cookies[user])  # warm: the workers' first requests
                time.sleep(0.2)
                since = len(log.read_text().splitlines()) if log.exists() else 0
                client = load(full, cookies[user])
                time.sleep(0.3)  # the access log is written after the response
                server = server_times(log, path, since)
                r = {
                    "path": path,
                    "target_p50_ms": target,
                    "server_p50_ms": percentile(server, 0.5),
                    "server_p99_ms": percentile(server, 0.99),
                    "client_p50_ms": percentile(client, 0.5),
                    "requests": len(server),
                }
                results["pages"][name] = r
                print(
                    f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}{target:>8}",
                    flush=True,
                )
        finally:
            stop(app, pidfile)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    out = ROOT / "bench" / "results" / "scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\n{'page':<28}{'p50 ms':>9}{'p99 ms':>9}{'target':>8}")
    failed = []
    for name, r in results["pages"].items():
        print(f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}{r['target_p50_ms']:>8}")
        if r["server_p50_ms"] > r["target_p50_ms"]:
            failed.append(name)
    print(f"refresh of every school's kept coverage: {results['refresh']['seconds']} s")
    print(f"written {out}")
    if failed:
        raise SystemExit("OVER TARGET: " + ", ".join(failed))


if __name__ == "__main__":
    main()
