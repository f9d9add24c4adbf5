"""A generated case history, inserted directly (no encryption, no KDF): only the
metadata the statistics read. Deterministic for a given seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hotline.models import Disclosure, DisclosureQueue, Reporter, new_id

#: A dummy public key of the real size: the statistics never read it.
DUMMY_PUBLIC_KEY = bytes(1216)

ROUTES = {
    "taxpayer_fraud": ("investigation", "commissioner_general"),
    "staff_misconduct": ("internal_audit", "commissioner_general"),
    "retaliation": ("internal_audit", "commissioner_general"),
    "other": ("commissioner_general",),
}
CATEGORY_WEIGHTS = {"taxpayer_fraud": 55, "staff_misconduct": 27, "retaliation": 5, "other": 13}
OUTCOME_WEIGHTS = {
    "substantiated": 30,
    "unsubstantiated": 40,
    "out_of_scope": 12,
    "referred": 14,
    "malicious": 4,
}
CHANNELS = {"web": 60, "sms": 25, "email": 15}


@dataclass(frozen=True)
class Case:
    category: str
    channel: str
    received_on: dt.date
    acknowledged_on: dt.date | None
    first_reply_on: dt.date | None
    closed_on: dt.date | None
    outcome: str | None
    reward_paid_on: dt.date | None
    reward_minor: int | None
    queues: tuple[str, ...]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(
    count: int, start: dt.date, end: dt.date, *, seed: int = 7, today: dt.date | None = None
) -> list[Case]:
    """``count`` cases received between ``start`` and ``end``; nothing dated after ``today``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    today = today or end
    span = (end - start).days
    cases = []
    for _ in range(count):
        category = _pick(rng, CATEGORY_WEIGHTS)
        received = start + dt.timedelta(days=rng.randint(0, span))

        def until_today(day: dt.date) -> dt.date | None:
            return day if day <= today else None

        acknowledged = (
            until_today(received + dt.timedelta(days=rng.choice([0, 1, 2, 3, 5, 6, 7, 9, 14])))
            if rng.random() < 0.97
            else None
        )
        reply = (
            until_today(acknowledged + dt.timedelta(days=rng.randint(0, 40)))
            if acknowledged
            else None
        )
        closed = outcome = paid = reward = None
        if acknowledged and rng.random() < 0.85:
            closed = until_today(received + dt.timedelta(days=rng.randint(8, 420)))
            outcome = _pick(rng, OUTCOME_WEIGHTS) if closed else None
        rewarded = closed and outcome == "substantiated" and category == "taxpayer_fraud"
        if closed is not None and rewarded and rng.random() < 0.4:
            paid = until_today(closed + dt.timedelta(days=rng.randint(20, 200)))
            reward = rng.randint(5_000, 5_000_000) if paid else None
        queues = ROUTES[category]
        if category == "staff_misconduct" and rng.random() < 0.2:
            # The reporter said it concerns the Commissioner General's office.
            queues = ("internal_audit",)
        cases.append(
            Case(
                category=category,
                channel=_pick(rng, CHANNELS),
                received_on=received,
                acknowledged_on=acknowledged,
                first_reply_on=reply,
                closed_on=closed,
                outcome=outcome,
                reward_paid_on=paid,
                reward_minor=reward,
                queues=queues,
            )
        )
    return cases


def insert_cases(session: Session, cases: Sequence[Case]) -> list[str]:
    """Bulk-insert reporters, disclosures and their routing; returns the ids."""
    reporters, disclosures, routes = [], [], []
    for case in cases:
        reporter_id, disclosure_id = new_id() + new_id(), new_id()
        reporters.append({"id": reporter_id, "public_key": DUMMY_PUBLIC_KEY, "kdf_version": 1})
        status = (
            "closed"
            if case.closed_on
            else ("under_investigation" if case.acknowledged_on else "received")
        )
        disclosures.append(
            {
                "id": disclosure_id,
                "reference": "HL-" + disclosure_id[:12].upper(),
                "reporter_id": reporter_id,
                "category": case.category,
                "channel": case.channel,
                "status": status,
                "outcome": case.outcome,
                "received_on": case.received_on,
                "acknowledgement_due": case.received_on + dt.timedelta(days=7),
                "acknowledged_on": case.acknowledged_on,
                "feedback_due": (
                    case.acknowledged_on + dt.timedelta(days=91) if case.acknowledged_on else None
                ),
                "first_reply_on": case.first_reply_on,
                "closed_on": case.closed_on,
                "reward_state": "paid" if case.reward_paid_on else "not_eligible",
                "reward_minor": case.reward_minor,
                "reward_paid_on": case.reward_paid_on,
                "unread": False,
                "next_seq": 1,
            }
        )
        routes += [{"disclosure_id": disclosure_id, "queue_slug": q} for q in case.queues]
    session.execute(insert(Reporter), reporters)
    session.execute(insert(Disclosure), disclosures)
    session.execute(insert(DisclosureQueue), routes)
    return [str(d["id"]) for d in disclosures]
