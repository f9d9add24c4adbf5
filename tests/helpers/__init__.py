"""Shared test helpers: instances, stored-bytes checks, officers, the desk, reports, servers.

Test modules import from here, never from each other or from ``bench``; ``bench``
imports the load, client and server drivers from here too.
"""
