"""`make bench`: GridApp's pages against a bare-Flask floor, measured in the same run.

Starts both under gunicorn (same workers) on 127.0.0.1, with the issue's reference page (bench/
minimal.py: one ORM query and a template), and loads each page with wrk (bounded in time) in
rounds that alternate with the floor; a case's ratio is that of its median round. Counts SQL
queries per request in-process, prints a table and writes bench/results/latest.json.
Every capability adds its pages and jobs to CASES.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
DURATION = os.environ.get("BENCH_DURATION", "5s")  # per round
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
FLOOR_PORT, APP_PORT, MINIMAL_PORT = 8101, 8102, 8103
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
USER_AGENT = "gridapp-bench"
# BENCH_ONLY="class" runs only the cases whose name contains that text, and skips the jobs.
ONLY = os.environ.get("BENCH_ONLY", "")

# name, user (None: anonymous), path, target ratio to the floor (None: reported only)
CASES = [
    ("login page", None, "/login", None),
    ("head teacher home", "teacher", "/", None),
    ("class page (45 students)", "teacher", "/classes/{class_id}", 0.15),
    ("teacher worklist", "teacher", "/worklist", 0.15),
    ("school coverage (700 students)", "principal", "/schools/1/coverage", 0.05),
]


def start(cmd: list[str], env: dict, pidfile: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def stop(proc: subprocess.Popen, pidfile: Path) -> None:
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def gunicorn(app: str, port: int, pidfile: Path, env: dict) -> subprocess.Popen:
    return start(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--pid",
            str(pidfile),
            "--log-level",
            "warning",
            app,
        ],
        env,
        pidfile,
        port,
    )


def session_cookie(port: int, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The same User-Agent as wrk's requests: the session is bound to it (Flask-Login's session
    # protection), and a browser keeps its own; a different one would rewrite the cookie each time.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    data = urllib.parse.urlencode(
        {"username": username, "password": "gridapp-demo", "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, cookie: str | None) -> dict:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "--timeout", "5s"]
    cmd += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def query_counts(env: dict, class_id: int) -> dict[str, int]:
    """SQL statements per request, counted in-process on the same database."""
    code = f"""
import json, os
from sqlalchemy import event
from gridapp.app import create_app
from gridapp.extensions import db
app = create_app({{"WTF_CSRF_ENABLED": False}})
counts = {{}}
with app.app_context():
    engine = db.engine
n = [0]
event.listen(engine, "before_cursor_execute", lambda *a, **k: n.__setitem__(0, n[0] + 1))
cases = {[(name, user, path.format(class_id=class_id)) for name, user, path, _ in CASES]!r}
for name, user, path in cases:
    c = app.test_client()
    if user:
        c.post("/login", data={{"username": user, "password": "gridapp-demo"}})
    c.get(path)
    n[0] = 0
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code)
    counts[name] = n[0]
print(json.dumps(counts))
"""
    out = subprocess.run(
        [str(BIN / "python"), "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


# name, target in seconds: PDF dossiers, timed in-process (absolute targets of the issue).
JOBS = [("dossier, 20+ contacts (warm)", 0.5), ("class dossiers in the background", 20.0)]


def job_timings(env: dict, class_id: int) -> dict[str, dict]:
    code = f"""
import json, statistics, time
from sqlalchemy import func, select
from gridapp.app import create_app
from gridapp.extensions import db
app = create_app({{"WTF_CSRF_ENABLED": False}})
out = {{}}
with app.app_context():
    from gridapp.contacts.models import Contact
    from gridapp.people.models import Student
    sid = db.session.execute(
        select(Student.id, func.count(Contact.id).label("n"))
        .join(Contact, Contact.family_id == Student.family_id)
        .where(Student.school_id == 1)
        .group_by(Student.id).order_by(func.count(Contact.id).desc()).limit(1)
    ).first()
    # Top the family up to 20 contacts (the bench's database is thrown away afterwards).
    student = db.session.get(Student, sid.id)
    base = db.session.scalars(select(Contact).where(Contact.family_id == student.family_id)).first()
    cols = [c.key for c in Contact.__table__.columns if c.key not in ("id", "client_token")]
    for i in range(max(0, 20 - sid.n)):
        db.session.add(Contact(**{{k: getattr(base, k) for k in cols}}, client_token=f"bench-{{i}}"))
    db.session.commit()
    n_contacts = max(20, sid.n)
c = app.test_client()
c.post("/login", data={{"username": "principal", "password": "gridapp-demo"}})
times = []
for i in range(6):
    t = time.perf_counter()
    r = c.get(f"/students/{{sid.id}}/dossier.pdf")
    assert r.status_code == 200
    times.append(time.perf_counter() - t)
out["dossier, 20+ contacts (warm)"] = {{"seconds": round(statistics.median(times[1:]), 3),
                                       "contacts": n_contacts}}
with app.test_request_context():
    from gridapp.accounts.models import User
    from gridapp.dossiers import exports
    from gridapp.people.models import Student, StudentStatus
    user = db.session.scalar(select(User).where(User.username == "teacher"))
    ids = list(db.session.scalars(select(Student.id).where(Student.class_id == {class_id},
                                  Student.status == StudentStatus.ACTIVE)))
    job = exports.start(user, 1, {class_id}, ids, ["profile", "family", "focus", "timeline"],
                        False, False)
    db.session.commit()
    t = time.perf_counter()
    exports.make.call_local(job.id)
    elapsed = time.perf_counter() - t
    job = db.session.get(exports.DossierJob, job.id)
    out["class dossiers in the background"] = {{"seconds": round(elapsed, 2), "students": job.done,
                                               "status": job.status}}
print(json.dumps(out))
"""
    out = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="gridapp-bench-"))
    env = {
        **os.environ,
        "GRIDAPP_INSTANCE": str(work),
        "FLASK_APP": "wsgi",
        "SECRET_KEY": "bench-secret",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run([str(BIN / "flask"), "demo-data"], env=env, cwd=ROOT, check=True)
    class_id = 1  # the demo head teacher's class
    results = {"workers": WORKERS, "duration": DURATION, "connections": CONNECTIONS, "cases": {}}
    floor_pid, app_pid, minimal_pid = work / "floor.pid", work / "app.pid", work / "minimal.pid"
    # Both servers run side by side and are loaded in turn, round after round: the machine's
    # speed drifts (shared CPUs), and each round's ratio compares the two under the same drift.
    floor = gunicorn("bench.floor:app", FLOOR_PORT, floor_pid, env)
    app = gunicorn("wsgi:app", APP_PORT, app_pid, env)
    reference = gunicorn("bench.minimal:app", MINIMAL_PORT, minimal_pid, env)
    try:
        cookies = {}
        floor_runs = []
        cases = [(None, None, "/", None, MINIMAL_PORT)] + [
            (name, user, path, target, APP_PORT) for name, user, path, target in CASES
        ]
        for name, user, path, target, port in cases:
            if name is not None and ONLY not in name:
                continue
            if user and user not in cookies:
                cookies[user] = session_cookie(APP_PORT, user)
            url = f"http://127.0.0.1:{port}{path.format(class_id=class_id)}"
            rounds = []
            for _ in range(ROUNDS):
                f = wrk(f"http://127.0.0.1:{FLOOR_PORT}/", None)
                r = wrk(url, cookies.get(user))
                floor_runs.append(f)
                rounds.append((r["rps"] / f["rps"], r))
            rounds.sort(key=lambda pair: pair[0])
            ratio, r = rounds[len(rounds) // 2]  # the median round
            r["ratio"] = round(ratio, 3)
            r["ratios"] = [round(x, 3) for x, _r in rounds]
            r["errors"] = sum(x["errors"] for _ratio, x in rounds)
            r["target_ratio"] = target
            if name is None:
                results["reference"] = r
            else:
                results["cases"][name] = r
        floor_runs.sort(key=lambda x: x["rps"])
        results["floor"] = floor_runs[len(floor_runs) // 2]
    finally:
        stop(floor, floor_pid)
        stop(app, app_pid)
        stop(reference, minimal_pid)
    for name, n in query_counts(env, class_id).items():
        if name in results["cases"]:
            results["cases"][name]["queries"] = n
    results["jobs"] = {} if ONLY else job_timings(env, class_id)
    shutil.rmtree(work, ignore_errors=True)

    out = ROOT / "bench" / "results" / ("partial.json" if ONLY else "latest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    f = results["floor"]
    print(
        f"\n{'case':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}{'ratio':>8}{'target':>8}"
    )
    print(
        f"{'floor (bare Flask, 2 KB)':<28}{f['rps']:>9.0f}{f['p50_ms']:>9.1f}{f['p99_ms']:>9.1f}"
        f"{'':>9}{1:>8.2f}{'':>8}"
    )
    m = results["reference"]
    print(
        f"{'minimal ORM page (issue)':<28}{m['rps']:>9.0f}{m['p50_ms']:>9.1f}{m['p99_ms']:>9.1f}"
        f"{'':>9}{m['ratio']:>8.3f}{'':>8}"
    )
    failed = []
    for name, r in results["cases"].items():
        target = r["target_ratio"]
        print(
            f"{name:<28}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r.get('queries', '-'):>9}{r['ratio']:>8.3f}{(target or ''):>8}"
            f"   rounds {' '.join(f'{x:.3f}' for x in r['ratios'])}"
        )
        if r["errors"]:
            failed.append(f"{name}: {r['errors']} non-2xx answers")
        if target and r["ratio"] < target:
            failed.append(f"{name}: ratio {r['ratio']} below {target}")
    print(f"\n{'job':<36}{'seconds':>9}{'target':>8}")
    for name, target in JOBS:
        if name not in results["jobs"]:
            continue
        r = results["jobs"][name]
        extra = ", ".join(f"{k} {v}" for k, v in r.items() if k != "seconds")
        print(f"{name:<36}{r['seconds']:>9}{target:>8}  {extra}")
        if r["seconds"] > target:
            failed.append(f"{name}: {r['seconds']} s over {target} s")
    print(f"\nwritten {out.relative_to(ROOT)}")
    if failed:
        print("BELOW TARGET: " + "; ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
