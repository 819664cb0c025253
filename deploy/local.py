"""GridApp's production topology on 127.0.0.1, for tests and benchmarks: nginx in front of two
gunicorn instances, one Huey consumer, one database and one Redis given by URL. Nothing needs
root: nginx runs in the foreground with its configuration, pid, logs and temporary files in a
folder of its own; every port is a free one.

    .venv/bin/python deploy/local.py --database-url postgresql://postgres@127.0.0.1/gridapp_x \\
        --redis-url redis://127.0.0.1:6379/0 --prepare

runs it until Ctrl-C (`--prepare`: `flask db upgrade` and the small demo district first). From
Python (tests/deploy/test_topology.py):

    with Topology(database_url, redis_url) as topo:
        topo.url("/healthz"), topo.backend_url(0, "/login"), topo.env()

Every process is started in a process group of its own and the group is ended on stop, so a
gunicorn master's workers go with it. The Redis keys are named after a prefix of the
topology's own (GRIDAPP_REDIS_PREFIX): `forget_redis()` deletes them and nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX_MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str | None:
    """Debian's nginx (/usr/sbin is not on every user's PATH), or None when not installed."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (the kernel's choice; free when asked)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_server_block(
    listen: str, backends: list[int], static_root: Path, access_log: Path
) -> str:
    """deploy/gridapp.nginx.conf with its placeholders filled: `listen` ("127.0.0.1:8080"),
    the gunicorn instances' ports on 127.0.0.1, the static folder, nginx's access log."""
    servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in backends)
    text = (DEPLOY / "gridapp.nginx.conf").read_text()
    return (
        text.replace("@LISTEN@", listen)
        .replace("@SERVERS@", servers)
        .replace("@STATIC_ROOT@", str(static_root.resolve()))
        .replace("@ACCESS_LOG@", str(access_log))
    )


def _main_config(folder: Path) -> str:
    """nginx's own top-level configuration for a run without root, everything under `folder`."""
    user = ""
    if os.geteuid() == 0:
        # As root, nginx's workers would run as "nobody", who may not read the checkout or
        # write the temporary folders; this run's user keeps them where the files are.
        import pwd

        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include {NGINX_MIME_TYPES};
    default_type application/octet-stream;
    sendfile on;
    access_log {folder / "access.log"};
{temp}
    include {folder / "gridapp.conf"};
}}
"""


# Each command through flask's own command line (`flask --app wsgi ...`), one after the other.
_FLASK_COMMANDS = """
import json, sys
from flask.cli import cli
for args in json.loads(sys.argv[1]):
    cli.main(args=["--app", "wsgi", *args], prog_name="flask", standalone_mode=False)
"""


class Topology:
    """nginx + `instances` gunicorn instances (`workers` processes each) + `consumers` Huey
    consumers on 127.0.0.1, sharing one instance folder (uploads, exports), one SECRET_KEY,
    one database (`database_url`, SQLAlchemy or libpq spelling) and one Redis (`redis_url`)
    under a key prefix of their own. `workdir`: where configuration and logs go (a new
    temporary folder by default, removed on stop unless `keep` is true)."""

    def __init__(self, database_url: str, redis_url: str, *, instances: int = 2,
                 workers: int = 1, consumers: int = 1, workdir: Path | None = None,
                 keep: bool = False, start_timeout: float = 30.0) -> None:  # fmt: skip
        self.database_url = database_url
        self.redis_url = redis_url
        self.instances = instances
        self.workers = workers
        self.consumers = consumers
        self.start_timeout = start_timeout
        self.keep = keep or workdir is not None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="gridapp-topology-"))
        self.prefix = "gridapptopo" + secrets.token_hex(4)  # Huey keeps [a-z0-9] of it
        self.secret_key = secrets.token_urlsafe(32)
        self.ports: list[int] = []
        self.nginx_port = 0
        self.processes: dict[str, subprocess.Popen] = {}

    # ---- addresses and environment ----------------------------------------------------------

    def url(self, path: str = "/") -> str:
        """`path` through nginx, the topology's one address."""
        return f"http://127.0.0.1:{self.nginx_port}{path}"

    def backend_url(self, index: int, path: str = "/") -> str:
        """`path` on gunicorn instance `index` directly (0-based), bypassing nginx."""
        return f"http://127.0.0.1:{self.ports[index]}{path}"

    def access_log(self, index: int) -> Path:
        """Instance `index`'s gunicorn access log (one line per request it answered)."""
        return self.workdir / "logs" / f"app{index}.access.log"

    def env(self) -> dict[str, str]:
        """The environment of every process of the topology (and of `flask` commands on it)."""
        env = dict(os.environ)
        # A test process runs Huey inline and points the instance folder at its own; the
        # topology's processes must not inherit that.
        for name in ("GRIDAPP_HUEY_IMMEDIATE", "GRIDAPP_INSTANCE", "FLASK_APP"):
            env.pop(name, None)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=self.secret_key,
            GRIDAPP_PROXY_FIX="true",
            GRIDAPP_INSTANCE=str(self.workdir / "instance"),
            GRIDAPP_REDIS_PREFIX=self.prefix,
            SESSION_COOKIE_SECURE="false",
            PYTHONUNBUFFERED="1",
        )
        return env

    def flask(self, *commands: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi COMMAND` for each command (a list of arguments) in turn on the
        topology's database, in one Python process: the app is imported once (seconds) for
        `["db", "upgrade"], ["demo-data", ...]`. Stops at the first that fails; raises
        CalledProcessError (with the output) then."""
        cmd = [sys.executable, "-c", _FLASK_COMMANDS, json.dumps(commands)]
        return subprocess.run(cmd, cwd=ROOT, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=True)  # fmt: skip

    # ---- starting and stopping --------------------------------------------------------------

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = open(self.workdir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (child's)
        try:
            self.processes[name] = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        finally:
            log.close()

    def start_consumer(self, name: str) -> None:
        """One more Huey consumer (2 threads) named `name` ("consumer0"…)."""
        cmd = [sys.executable, "-m", "huey.bin.huey_consumer", "gridapp.worker.huey",
               "-w", "2", "-k", "thread"]  # fmt: skip
        self._spawn(name, cmd, self.env())

    def start(self) -> Topology:
        """Start every process and wait until nginx and each instance answer /healthz.
        Raises RuntimeError with the end of the failing process's log."""
        return self.spawn().wait()

    def spawn(self) -> Topology:
        """Start the app servers and the consumers without waiting for them (they take a few
        seconds to import the app: a caller may migrate the database meanwhile); `wait()`
        then starts nginx."""
        if nginx_binary() is None:
            raise RuntimeError("nginx is not installed (make install, as root)")
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        (self.workdir / "instance").mkdir(parents=True, exist_ok=True)
        self.ports = [free_port() for _ in range(self.instances)]
        self.nginx_port = free_port()
        try:
            for i, port in enumerate(self.ports):
                env = self.env()
                env.update(
                    GRIDAPP_BIND=f"127.0.0.1:{port}",
                    GRIDAPP_WORKERS=str(self.workers),
                    GRIDAPP_INSTANCE_NAME=f"app{i}",
                    GRIDAPP_ACCESS_LOG=str(self.access_log(i)),
                )
                cmd = [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
                       "wsgi:app"]  # fmt: skip
                self._spawn(f"app{i}", cmd, env)
            for i in range(self.consumers):
                self.start_consumer(f"consumer{i}")
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> Topology:
        """Wait until each app server answers, then start nginx and wait until it answers."""
        try:
            # nginx only once the instances answer: it counts a refused connection as a
            # failure and leaves that server out for 10 s (max_fails=1 fail_timeout=10s).
            self._wait_until_up(
                {f"app{i}": self.backend_url(i, "/healthz") for i in range(len(self.ports))}
            )
            folder = self.workdir / "nginx"
            folder.mkdir(exist_ok=True)
            listen = f"127.0.0.1:{self.nginx_port}"
            server = render_server_block(listen, self.ports, ROOT / "static", folder / "access.log")
            (folder / "gridapp.conf").write_text(server)
            (folder / "nginx.conf").write_text(_main_config(folder))
            cmd = [nginx_binary(), "-p", f"{folder}/", "-c", str(folder / "nginx.conf"),
                   "-e", str(folder / "error.log")]  # fmt: skip
            self._spawn("nginx", cmd, self.env())
            self._wait_until_up({"nginx": self.url("/healthz")})
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self, pending: dict[str, str]) -> None:
        """Wait until each process named in `pending` answers 200 at its URL."""
        deadline = time.monotonic() + self.start_timeout
        while pending:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            del pending[name]
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            if pending and time.monotonic() > deadline:
                name = next(iter(pending))
                raise RuntimeError(f"{name} did not answer in time:\n{self.log_tail(name)}")
            if pending:
                time.sleep(0.1)
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The last lines of a process's output (and nginx's error log)."""
        paths = [self.workdir / "logs" / f"{name}.log"]
        if name == "nginx":
            paths.append(self.workdir / "nginx" / "error.log")
        out = []
        for path in paths:
            if path.exists():
                out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    def stop_process(self, name: str, timeout: float = 10.0) -> None:
        """End one process's group (SIGTERM, then SIGKILL after `timeout` seconds)."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group's other members (gunicorn's workers) end with their master; make sure.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Stop every process (nginx first), then remove the work folder unless kept."""
        for name in ["nginx", *[n for n in self.processes if n != "nginx"]]:
            self.stop_process(name)
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def forget_redis(self) -> int:
        """Delete this topology's Redis keys (its Huey queue, schedule and results, its rate
        limit counters), nothing else; returns how many."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(client.scan_iter(match=f"*{self.prefix}*", count=1000))
            return client.delete(*keys) if keys else 0
        finally:
            client.close()

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            self.forget_redis()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the database (default: $DATABASE_URL)")  # fmt: skip
    parser.add_argument("--redis-url",
                        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--prepare", action="store_true",
                        help="flask db upgrade, then the small demo district if empty")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is needed")
    topo = Topology(args.database_url, args.redis_url, workers=args.workers)
    try:
        if args.prepare:
            topo.flask(
                ["db", "upgrade"],
                ["demo-data", "--if-empty", "--schools", "1", "--students-per-school", "40"],
            )
        topo.start()
        print(f"GridApp through nginx: {topo.url('/')}", flush=True)
        for i in range(len(topo.ports)):
            print(f"  app{i}: {topo.backend_url(i, '/')}  log {topo.access_log(i)}")
        print(f"  work folder: {topo.workdir}  (Ctrl-C stops everything)", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        topo.stop()
        topo.forget_redis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
