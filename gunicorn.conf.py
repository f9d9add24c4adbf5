"""gunicorn settings. By default there is no access log: even without an
address, the second a report was sent could be matched against a workplace's
network log. The error log holds start-up messages and failures only.

``HOTLINE_ACCESS_LOG=1`` turns on an access log of time, method, path, status,
size and duration (never the client address, user agent, referrer or query
string), for a host that serves officers only, or while diagnosing a fault."""

import os

# HOTLINE_ONION_BIND adds a listener for the Tor daemon only (nginx's onion
# server, or tor itself): requests arriving there are onion traffic, whatever
# their Host header says. Keep it unreachable from anywhere else.
bind = [os.environ.get("HOTLINE_BIND", "127.0.0.1:5000")] + [
    onion for onion in [os.environ.get("HOTLINE_ONION_BIND")] if onion
]
# Without Redis, rate limits live in one process's memory: one worker, threads.
# With HOTLINE_REDIS_URL set, raise WEB_CONCURRENCY to the number of cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("HOTLINE_THREADS", "8"))
timeout = 60
accesslog = "-" if os.environ.get("HOTLINE_ACCESS_LOG") == "1" else None
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# gunicorn's debug messages name client addresses ("Invalid request from ip=").
loglevel = "info"
forwarded_allow_ips = os.environ.get("HOTLINE_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """The application's start-up objects (mappers, templates, catalogues) live
    as long as the worker: keep them out of the garbage collector's full passes,
    which would otherwise walk all of them every so often under load."""
    import gc

    gc.freeze()


def on_starting(server: object) -> None:
    """Say at start what README says: without Redis, each worker keeps its own
    SMS conversations, replayed-message memory and rate limits, so a reporter's
    second text may reach a worker that never saw the first."""
    if workers > 1 and not os.environ.get("HOTLINE_REDIS_URL"):
        server.log.warning(  # type: ignore[attr-defined]
            "%d workers without HOTLINE_REDIS_URL: SMS conversations and rate limits"
            " are kept per worker. Set HOTLINE_REDIS_URL, or WEB_CONCURRENCY=1.",
            workers,
        )
