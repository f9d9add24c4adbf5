"""Helpers to drive the officer desk as a browser would (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.admin.designations import queue_key_from_recovery
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import recovery_private_key
from hotline.models import AuditEvent, Disclosure, Queue
from hotline.sealing.recipients import queue_recipient, reporter_recipient
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin, sign_in
from tests.helpers.reporter import element, file_report, hidden


@dataclass(frozen=True)
class Filed:
    codename: str
    reference: str


def file_web_report(
    client: FlaskClient, text: str, category: str = "staff_misconduct", **extra: object
) -> Filed:
    html = file_report(client, text, category, **extra)
    return Filed(element(html, "codename"), element(html, "case-ref"))


def officer_client(app: Flask, login: OfficerLogin) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    return client


def desk_post(client: FlaskClient, path: str, **data: object) -> TestResponse:
    """POST a desk form with a valid CSRF token of this client's session."""
    token = hidden(client.get("/officer/").get_data(as_text=True), "csrf_token")
    return client.post(path, data={"csrf_token": token, **data})


def queue_keys(initialised: Initialised, db: Session, *slugs: str) -> dict[str, PrivateKey]:
    """The recipient keys a session of an officer of these queues holds."""
    recovery = recovery_private_key(initialised.recovery_words)
    keys = {}
    for slug in slugs:
        queue = db.get(Queue, slug)
        assert queue is not None
        keys[queue_recipient(slug)] = queue_key_from_recovery(queue, recovery)
    return keys


def reporter_keys(app: Flask, codename: str) -> dict[str, PrivateKey]:
    keys = app.extensions["hotline"].kdf.derive(codename)
    return {reporter_recipient(keys.reporter_id): keys.private_key}


def case(db: Session, reference: str) -> Disclosure:
    db.expire_all()
    return db.scalars(select(Disclosure).where(Disclosure.reference == reference)).one()


def audit_events(db: Session, action: str | None = None) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.scalars(query))
