"""Transparency: public statistics with small counts protected, and the officer's own.

``statistics`` freezes completed quarters and builds the public yearly table
from the raw ``counts`` of each quarter, ``tables`` holds the published shapes,
``suppression`` decides which cells must be hidden (auditing its choice with
the linear programme in ``simplex``), ``charts`` draws inline SVG, ``desk``
counts the officer's queues, ``views`` and ``cli`` serve them.
"""
