"""A sign-in refusal must not tell an attacker whether the username exists:
not by its message (tests/auth/test_sign_in.py) and not by the time it takes,
which is almost all Argon2."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy.orm import Session

from hotline.auth.officers import SignInFailed
from hotline.auth.service import sign_in
from hotline.models import Officer
from tests.helpers.officers import OfficerLogin


def test_every_refusal_spends_one_argon2_verification(
    app: Flask, db: Session, make_officer: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    known: OfficerLogin = make_officer("kamanzi", ["investigation"])  # type: ignore[operator]
    gone: OfficerLogin = make_officer("gakuba", ["investigation"])  # type: ignore[operator]
    officer = db.get(Officer, gone.officer_id)
    assert officer is not None
    officer.active = False
    db.commit()

    verify = PasswordHasher.verify
    calls: list[str] = []

    def counting(self: PasswordHasher, hash: Any, password: Any) -> bool:
        calls.append(str(password))
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    params = app.extensions["hotline"].argon2_params
    attempts = [
        ("nobody", known.password),
        ("gakuba", gone.password),
        ("kamanzi", "wrong password!!"),
    ]
    for username, password in attempts:
        calls.clear()
        with pytest.raises(SignInFailed):
            sign_in(db, username, password, "000000", params=params)
        assert calls == [password], username
        db.rollback()
