"""The one error a backup or a purge reports to the operator."""

from __future__ import annotations


class MaintenanceError(RuntimeError):
    """A backup or purge cannot be done; the message says why and what to do."""
