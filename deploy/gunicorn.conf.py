"""gunicorn settings of one GridApp app server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Each instance gets from the environment where it listens (GRIDAPP_BIND, default
127.0.0.1:8000), how many worker processes (GRIDAPP_WORKERS, default 2 per CPU) and its name
(GRIDAPP_INSTANCE_NAME, in the process titles and each access-log line, to tell the instances
behind nginx apart). Access and error logs go to stdout/stderr (journald or the supervisor keeps
them) unless GRIDAPP_ACCESS_LOG / GRIDAPP_ERROR_LOG name files.
"""

import os

bind = os.environ.get("GRIDAPP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GRIDAPP_WORKERS") or 2 * (os.cpu_count() or 1))
worker_class = "sync"  # nginx buffers requests and responses: slow clients never hold a worker
# A single dossier PDF is rendered in the request; nothing else comes near 60 s.
timeout = 60
graceful_timeout = 30
# Workers import the app before forking: less memory, quicker start, and a broken
# configuration stops the server at once instead of in every worker.
preload_app = True
# Heartbeat files in memory rather than on a disk that may stall (gunicorn's FAQ).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

_name = os.environ.get("GRIDAPP_INSTANCE_NAME", "gridapp")
proc_name = _name
accesslog = os.environ.get("GRIDAPP_ACCESS_LOG", "-")
errorlog = os.environ.get("GRIDAPP_ERROR_LOG", "-")
# No client address, user agent or query string: a parent who writes an anonymous letter cannot
# be traced through GridApp's logs, not even by the time of their other requests (issue 20
# item 10). The instance's name tells the instances behind nginx apart.
access_log_format = _name + ' %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
# X-Forwarded-* are read by the app's ProxyFix (GRIDAPP_PROXY_FIX=true), from nginx only.
forwarded_allow_ips = "127.0.0.1,::1"


def post_fork(server, worker):
    """Each worker opens its own database connections: the pool copied from the parent is
    let go without closing the parent's sockets (SQLAlchemy, "Using Connection Pools with
    Multiprocessing or os.fork()")."""
    from gridapp.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
