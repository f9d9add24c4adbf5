"""Backups and retention: ``backup`` (``hotline backup``), ``purge``
(``hotline purge``) and the console commands in ``cli``."""
