"""Retaliation reports: always a new disclosure, linked to the reporter's earlier cases.

Every channel calls :func:`retaliation_links` when a reporter who is known by
their codename files again, and puts the result in ``Draft.related_to``;
``submit`` then links the new disclosure as ``retaliation_for`` each of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Disclosure

RETALIATION = "retaliation"


def retaliation_links(session: Session, *, reporter_id: str | None, category: str) -> list[str]:
    """The disclosures a new report of this category links to: every earlier one
    of the same reporter when it reports retaliation, none otherwise (nor for a
    reporter who has no codename yet)."""
    if reporter_id is None or category != RETALIATION:
        return []
    return list(session.scalars(select(Disclosure.id).where(Disclosure.reporter_id == reporter_id)))
