"""gunicorn settings of the embedded default (`make run`: SQLite, Huey on SQLite, no Redis).

One worker process with threads: the rate limits are counted in that process's memory (there
is no Redis to share them through), so each limit is the one configured, not one per worker
process (issue 20 item 9). The access log keeps no client address, user agent or query
string, as in production (deploy/gunicorn.conf.py, issue 20 item 10).
"""

workers = 1
worker_class = "gthread"
threads = 8
timeout = 60
accesslog = "-"
errorlog = "-"
access_log_format = 'gridapp %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
