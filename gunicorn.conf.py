"""gunicorn settings. The access log records no client address, user agent,
referrer or query string: only time, method, path, status, size and duration."""

import os

bind = os.environ.get("HOTLINE_BIND", "127.0.0.1:5000")
# Without Redis, rate limits live in one process's memory: one worker, threads.
# With HOTLINE_REDIS_URL set, raise WEB_CONCURRENCY to the number of cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("HOTLINE_THREADS", "8"))
timeout = 60
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# gunicorn's debug messages name client addresses ("Invalid request from ip=").
loglevel = "info"
forwarded_allow_ips = os.environ.get("HOTLINE_FORWARDED_ALLOW_IPS", "127.0.0.1")
