"""`make bench-scale`: GridApp's figures at district scale on PostgreSQL (issue 17).

Creates a PostgreSQL database of its own on 127.0.0.1 (dropped after), migrates it, loads the
bulk district (`flask demo-data --scale district`: 100 schools, 200,000 students, 2,000,000
contacts; BENCH_SCALE=county or BENCH_SCHOOLS=N for smaller), refreshes every school's kept
coverage once (the background task's work, timed), starts GridApp under gunicorn and loads each
page with a bounded load: BENCH_REQUESTS requests per page from BENCH_CLIENTS clients at once.
Server time is measured at the app: gunicorn's access log gives each request's time (%(D)s, µs);
p50 and p99 over the page's requests. Then the writes (bench/scale_writes.py): the mailbox
submit and a reception booking from 50 clients at once against 4 workers, p99 under 200 ms.
Writes bench/results/scale.json and prints a table; exits non-zero when a page's p50 or a
write's p99 is over its target (or a write was refused).

    make bench-scale                          # the district preset (about 10 minutes in all)
    BENCH_SCALE=county make bench-scale       # 25 schools
    BENCH_SCHOOLS=10 make bench-scale         # any number of schools of 2,000 students
    BENCH_SIZES=5,25,100 make bench-scale     # one after the other: growth.json, the chart
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

from bench import growth_chart  # noqa: E402
from bench import scale_writes as writes_mod  # noqa: E402
from bench.run import BIN, USER_AGENT, session_cookie, stop  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8121"))
SCALE = os.environ.get("BENCH_SCALE", "district")
SCHOOLS = os.environ.get("BENCH_SCHOOLS")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB = f"gridapp_bench_scale_{os.getpid()}"
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # the pages' server, as `make bench`
# The writes (issue 17): 50 clients at once against deploy/gunicorn.conf.py's default for this
# machine, 2 sync workers per core; BENCH_WRITE_REQUESTS per case (rounded to whole rounds of
# the clients), p99 under 200 ms. BENCH_WRITE_CLIENTS=0 skips them; BENCH_ONLY_WRITES=1 skips
# the pages.
WRITE_CLIENTS = int(os.environ.get("BENCH_WRITE_CLIENTS", "50"))
WRITE_REQUESTS = int(os.environ.get("BENCH_WRITE_REQUESTS", "300"))
WRITE_WORKERS = int(os.environ.get("BENCH_WRITE_WORKERS", str(2 * (os.cpu_count() or 1))))
WRITE_TARGET_P99 = 200
ONLY_WRITES = os.environ.get("BENCH_ONLY_WRITES", "") not in ("", "0")
# BENCH_SIZES=5,25,100: one district of each number of schools after the other (a database
# each, dropped after), then bench/results/growth.json and the chart docs/scale-growth.svg.
SIZES = [s.strip() for s in os.environ.get("BENCH_SIZES", "").split(",") if s.strip()]

# name, user, path, target p50 in ms (the "server time measured at the app")
PAGES = [
    ("district ranking", "district", "/district/coverage", 500),
    ("district home", "district", "/", 500),
    ("district dashboard", "district", "/district", 500),
    ("school coverage", "principal", "/schools/{school}/coverage", 200),
    ("school overview", "principal", "/schools/{school}", 200),
    ("school dashboard", "principal", "/schools/{school}/dashboard", 200),
    ("families: teacher rule", "principal", "/schools/{school}/coverage/families?rule=teacher", 200),
    ("families: focus rule, p.2", "principal", "/schools/{school}/coverage/families?rule=focus&page=2", 200),
    ("families: two-year rule", "principal", "/schools/{school}/coverage/families?rule=two_years", 200),
    ("teacher worklist", "teacher", "/worklist", 100),
    ("region dashboard", "province", "/regions/{region}", 500),
    ("class dashboard", "principal", "/classes/{klass}/dashboard", 200),
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
        "from gridapp.schools.models import Region, School, SchoolClass\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    t = time.perf_counter(); n = snapshots.refresh_all(today()); db.session.commit()\n"
        "    school = db.session.scalar(db.select(School.id).order_by(School.id))\n"
        "    region = db.session.scalar(db.select(Region.id).where(Region.parent_id.is_(None))"
        ".order_by(Region.id))\n"
        "    klass = db.session.scalar(db.select(SchoolClass.id)"
        ".where(SchoolClass.school_id == school).order_by(SchoolClass.id))\n"
        "    print(json.dumps({'schools': n, 'seconds': round(time.perf_counter() - t, 1),"
        " 'first_school': school, 'top_region': region, 'first_class': klass}))\n"
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


def server_times(log: Path, path: str, since: int, method: str = "GET") -> list[float]:
    """The app's times (ms) of the `method` requests for `path` logged after line `since`."""
    out = []
    for line in log.read_text().splitlines()[since:]:
        logged_method, rest = line.split(" ", 1)
        logged, query, _status, micros = rest.rsplit(" ", 3)
        if logged_method == method and (f"{logged}?{query}" if query else logged) == path:
            out.append(int(micros) / 1000)
    return out


def log_lines(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def app_server(env: dict, log: Path, workers: int, pidfile: Path):
    """gunicorn with `workers` sync workers (deploy/gunicorn.conf.py's kind) and an access log
    of method, path, query, status and the app's time in µs."""
    fmt = "'%(m)s %(U)s %(q)s %(s)s %(D)s'"
    env_app = {**env, "GUNICORN_CMD_ARGS": f"--access-logfile {log} --access-logformat {fmt}"}
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{PORT}", "--pid",
         str(pidfile), "--log-level", "warning", "wsgi:app"],
        env=env_app, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Up to two minutes: each worker imports the app, slowly on a shared machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    stop(proc, pidfile)
    raise SystemExit(f"gunicorn on port {PORT} did not start")


COLD_SAMPLES = int(os.environ.get("BENCH_COLD_SAMPLES", "6"))


def cold_times(env: dict, log: Path, full: str, path: str, cookie: str, school: int) -> list:
    """The page's server time right after a change to the school (its generation raised, as by
    any committed write): what it costs to compute, before it is kept (core.generations).
    COLD_SAMPLES times, one request each."""
    plain = env["DATABASE_URL"].replace("+psycopg", "")
    bump = (
        "INSERT INTO school_generations (school_id, generation) VALUES "
        f"({school}, 1) ON CONFLICT (school_id) DO UPDATE "
        "SET generation = school_generations.generation + 1"
    )
    times = []
    for _ in range(COLD_SAMPLES):
        subprocess.run(["psql", plain, "-qc", bump], check=True, capture_output=True)
        since = log_lines(log)
        request = urllib.request.Request(full, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        urllib.request.urlopen(request, timeout=120).read()
        time.sleep(0.2)
        times += server_times(log, path, since)
    return times


def measure_pages(work: Path, env: dict, school: int, region=None, klass=None) -> dict:
    log = work / "access-pages.log"
    pidfile = work / "app.pid"
    app = app_server(env, log, WORKERS, pidfile)
    pages = {}
    try:
        cookies = {}
        for name, user, path, target in PAGES:
            path = path.format(school=school, region=region, klass=klass)
            if user not in cookies:
                cookies[user] = session_cookie(PORT, user)
            full = f"http://127.0.0.1:{PORT}{path}"
            load(full, cookies[user])  # warm: the workers' first requests
            time.sleep(0.2)
            cold = cold_times(env, log, full, path, cookies[user], school)
            since = log_lines(log)
            client = load(full, cookies[user])
            time.sleep(0.3)  # the access log is written after the response
            server = server_times(log, path, since)
            r = {
                "path": path,
                "target_p50_ms": target,
                "server_p50_ms": percentile(server, 0.5),
                "server_p99_ms": percentile(server, 0.99),
                "client_p50_ms": percentile(client, 0.5),
                "cold_p50_ms": percentile(cold, 0.5),
                "requests": len(server),
            }
            pages[name] = r
            print(
                f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}{r['cold_p50_ms']:>9}"
                f"{target:>8}",
                flush=True,
            )
    finally:
        stop(app, pidfile)
    return pages


def _write_result(server: list[float], path: str, outcome: dict, n: int) -> dict:
    """A write case's figures; `ok` when each of its `n` requests was answered with a 303."""
    return {
        "path": path,
        "target_p99_ms": WRITE_TARGET_P99,
        "server_p50_ms": percentile(server, 0.5),
        "server_p99_ms": percentile(server, 0.99),
        "server_max_ms": round(max(server), 1) if server else None,
        "requests": len(server),
        "statuses": outcome["statuses"],
        "ok": outcome["statuses"].get(303, 0) == n and not outcome["errors"],
        "errors": outcome["errors"],
    }


def measure_writes(work: Path, env: dict) -> dict:
    """The mailbox submit and a booking, WRITE_CLIENTS clients at once, WRITE_WORKERS workers."""
    rounds = max(1, WRITE_REQUESTS // WRITE_CLIENTS)
    n = rounds * WRITE_CLIENTS
    out = subprocess.run(
        [str(BIN / "python"), "-m", "bench.scale_writes", str(WRITE_CLIENTS), str(rounds + 1)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    fixture = json.loads(out.stdout.strip().splitlines()[-1])
    log = work / "access-writes.log"
    pidfile = work / "app-writes.pid"
    app = app_server(env, log, WRITE_WORKERS, pidfile)
    writes = {}
    try:
        # Letters: one round of WRITE_CLIENTS to warm the workers, then the measured ones.
        schools = fixture["schools"]
        writes_mod.letters(PORT, schools, 0, WRITE_CLIENTS, WRITE_CLIENTS)
        time.sleep(0.3)
        since = log_lines(log)
        outcome = writes_mod.letters(PORT, schools, WRITE_CLIENTS, n, WRITE_CLIENTS)
        time.sleep(0.5)
        server = server_times(log, "/mailbox", since, "POST")
        writes["mailbox submit"] = _write_result(server, "/mailbox", outcome, n)
        writes["mailbox submit"]["form_p50_ms"] = percentile(
            server_times(log, "/mailbox", since, "GET"), 0.5
        )
        # Bookings: every parent signs in, books the first day (warm), then the others.
        parents, days = fixture["parents"], fixture["days"]
        clients, errors = writes_mod.sign_in(PORT, parents)
        if errors:
            raise SystemExit(f"sign-in failed: {errors[:3]}")
        writes_mod.bookings(PORT, clients, parents, days[:1])
        time.sleep(0.3)
        since = log_lines(log)
        outcome = writes_mod.bookings(PORT, clients, parents, days[1:])
        time.sleep(0.5)
        server = [
            ms for slots in days[1:] for slot in sorted(set(slots))
            for ms in server_times(log, f"/reception/slots/{slot}", since, "POST")
        ]  # fmt: skip
        writes["reception booking"] = _write_result(server, "/reception/slots/<id>", outcome, n)
        for name, r in writes.items():
            print(
                f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}"
                f"{'p99 ' + str(WRITE_TARGET_P99):>8}  {r['statuses']}",
                flush=True,
            )
    finally:
        stop(app, pidfile)
    return writes


def run(schools: str | None) -> dict:
    """One district of the preset (or of `schools` schools): load, refresh, pages, writes.
    The database is dropped after. Returns the results."""
    work = Path(tempfile.mkdtemp(prefix="gridapp-bench-scale-"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
    env = {**os.environ, "DATABASE_URL": url, "GRIDAPP_INSTANCE": str(work), "SECRET_KEY": "b"}
    env.pop("REDIS_URL", None)
    psql(f'DROP DATABASE IF EXISTS "{DB}"')
    psql(f'CREATE DATABASE "{DB}"')
    results: dict = {
        "scale": SCALE, "schools": schools, "requests": REQUESTS, "clients": CLIENTS,
        "workers": WORKERS, "write_clients": WRITE_CLIENTS, "write_workers": WRITE_WORKERS,
        "pages": {},
    }  # fmt: skip
    try:
        flask(env, "db", "upgrade")
        args = ["demo-data", "--scale", SCALE] + (["--schools", schools] if schools else [])
        t = time.perf_counter()
        results["load"] = {"output": flask(env, *args).strip().splitlines()[-1:]}
        results["load"]["seconds"] = round(time.perf_counter() - t, 1)
        print(f"loaded in {results['load']['seconds']} s: {results['load']['output']}", flush=True)
        results["refresh"] = refresh(env)
        print(f"kept coverage refreshed: {results['refresh']}", flush=True)
        # The periodic task's next run: only the schools whose generation moved are computed.
        results["refresh_again"] = refresh(env)
        print(f"again, nothing changed: {results['refresh_again']}", flush=True)
        results["rows"] = row_counts(url)
        school = results["refresh"]["first_school"]
        if not ONLY_WRITES:
            kept = results["refresh"]
            results["pages"] = measure_pages(
                work, env, school, kept.get("top_region"), kept.get("first_class")
            )
        results["writes"] = measure_writes(work, env) if WRITE_CLIENTS else {}
    finally:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    return results


def row_counts(url: str) -> dict:
    """Students and contacts of the loaded district (the growth chart's x axis)."""
    plain = url.replace("+psycopg", "")
    out = {}
    for table in ("students", "contacts", "cases"):
        r = subprocess.run(
            ["psql", plain, "-tAc", f"SELECT count(*) FROM {table}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        out[table] = int(r.stdout.strip())
    return out


def failures(results: dict) -> list[str]:
    failed = [
        name for name, r in results["pages"].items() if r["server_p50_ms"] > r["target_p50_ms"]
    ]
    for name, r in results.get("writes", {}).items():
        if not r["ok"] or not r["server_p99_ms"] <= r["target_p99_ms"]:
            failed.append(name)
    return failed


def table(results: dict) -> None:
    print(f"\n{'case':<28}{'p50 ms':>9}{'p99 ms':>9}{'cold ms':>9}{'target':>10}")
    for name, r in results["pages"].items():
        print(
            f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}{r.get('cold_p50_ms'):>9}"
            f"{'p50 ' + str(r['target_p50_ms']):>10}"
        )
    for name, r in results.get("writes", {}).items():
        print(
            f"{name:<28}{r['server_p50_ms']:>9}{r['server_p99_ms']:>9}"
            f"{'p99 ' + str(r['target_p99_ms']):>10}"
        )
    print(f"refresh of every school's kept coverage: {results['refresh']['seconds']} s")
    again = results.get("refresh_again")
    if again:
        print(f"the refresh again, nothing changed since: {again['seconds']} s")


def main() -> None:
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    if not SIZES:
        results = run(SCHOOLS)
        out = out_dir / "scale.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        table(results)
        print(f"written {out}")
        failed = failures(results)
    else:
        growth = {"sizes": []}
        failed = []
        for size in SIZES:
            print(f"\n== {size} schools", flush=True)
            results = run(size)
            growth["sizes"].append(results)
            table(results)
            failed += [f"{name} ({size} schools)" for name in failures(results)]
            out = out_dir / "growth.json"
            out.write_text(json.dumps(growth, indent=2, ensure_ascii=False))
        (out_dir / "scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
        chart = growth_chart.write(growth, ROOT / "docs" / "scale-growth.svg")
        print(f"written {out}, {out_dir / 'scale.json'} and {chart}")
    if failed:
        raise SystemExit("OVER TARGET: " + ", ".join(failed))


if __name__ == "__main__":
    main()
