"""Backups and retention (``hotline backup``, ``hotline purge``)."""
