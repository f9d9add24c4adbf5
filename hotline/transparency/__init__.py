"""Transparency: public statistics with small counts protected, and the officer's own.

``statistics`` freezes completed quarters and builds the public yearly table,
``tables`` holds the published shapes, ``suppression`` decides which cells
must be hidden, ``charts`` draws inline SVG, ``desk`` counts the officer's
queues, ``views`` and ``cli`` serve them.
"""
