"""Shared test helpers: instances, stored-bytes checks, officers, the desk, reports,
e-mail, servers and load drivers.

Test modules import what they share from here, never from another test module or
from ``bench``; ``bench`` imports the server, client and load drivers from here.
Helpers only one domain uses stay beside its tests (``tests/transparency/history.py``).
"""
