"""Exporting a case: a PDF case file and a zip of its files, for an
investigation or a prosecution, only for those who may, and always audited."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from hotline.desk.export import DEFAULT_FONT, may_export
from tests.helpers.desk import audit_events, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import jpeg_with_gps

TEXT = "The assessor at Rusumo took 500,000 to clear the fuel tanker"
ARABIC = "طلب الموظف رشوة عند المعبر"


@pytest.fixture(autouse=True)
def _font() -> None:
    """The PDF's font comes from Debian's fonts-dejavu-core, which .ci/run installs."""
    if not DEFAULT_FONT.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DEFAULT_FONT} is missing (CI=true: .ci/run installs fonts-dejavu-core)")
        pytest.skip(f"{DEFAULT_FONT} is missing: apt-get install fonts-dejavu-core")


def _export(desk: FlaskClient, reference: str, what: str) -> tuple[int, bytes, str]:
    response = desk_post(desk, f"/officer/case/{reference}/export", what=what)
    return response.status_code, response.data, response.headers.get("Content-Disposition", "")


def test_the_case_file_pdf_holds_the_case_and_is_audited(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(
        client, f"{TEXT}\n{ARABIC}", attachment=(io.BytesIO(jpeg_with_gps()), "tank.jpg")
    )
    officer: OfficerLogin = make_officer("mukamana", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, officer)
    assert desk_post(desk, f"/officer/case/{filed.reference}/note", note="check the gate log")
    page = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    assert 'id="export-h"' in page

    status, content, disposition = _export(desk, filed.reference, "pdf")
    assert status == 200
    assert content.startswith(b"%PDF")
    assert f"{filed.reference}.pdf" in disposition
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert filed.reference in text
    assert "Rusumo took 500,000" in text
    assert "check the gate log" not in text, "notes only when asked for"
    zip_status, archive, _ = _export(desk, filed.reference, "files")
    assert zip_status == 200
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        [photo] = [n for n in files.namelist() if n != "SHA256SUMS"]
        digest = hashlib.sha256(files.read(photo)).hexdigest()
        assert f"{digest}  {photo}" in files.read("SHA256SUMS").decode()
        assert files.getinfo(photo).date_time == (1980, 1, 1, 0, 0, 0)
    assert digest in text, "the PDF lists each file with its digest"

    _, with_notes, _ = _export(desk, filed.reference, "pdf_notes")
    noted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(with_notes)).pages)
    assert "check the gate log" in noted
    # The PDF names no producer and carries no real creation time.
    metadata = PdfReader(io.BytesIO(content)).metadata
    assert metadata is None or not str(metadata.get("/Producer", ""))
    events = [e for e in audit_events(db) if e.action == "case.exported"]
    assert [(e.subject, e.detail) for e in events] == [
        (filed.reference, "pdf"),
        (filed.reference, "files (1)"),
        (filed.reference, "pdf with notes"),
    ]


def test_an_officer_of_another_queue_cannot_export(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, TEXT)
    outsider: OfficerLogin = make_officer("outsider", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, outsider)
    for what in ("pdf", "pdf_notes", "files"):
        status, content, _ = _export(desk, filed.reference, what)
        assert status == 403
        assert b"Rusumo" not in content
    assert [e for e in audit_events(db) if e.action == "case.exported"] == []


def test_the_policy_can_keep_exporting_to_some_queues(app: Flask) -> None:
    default = app.extensions["hotline"].policy
    assert may_export(default, ["internal_audit"], ("internal_audit",))
    only = replace(default, exporters=("investigation",))
    case_queues = ("investigation", "commissioner_general")
    assert may_export(only, ["investigation"], case_queues)
    assert not may_export(only, ["commissioner_general"], case_queues)
    # Designated to an exporting queue, but not one of this case's: no.
    assert not may_export(only, ["investigation"], ("internal_audit",))
    everyone = replace(default, exporters=())
    assert may_export(everyone, ["internal_audit"], ("internal_audit",))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Dossier", "Catégorie", "Échanges", "Audit interne et intégrité", "octets"]),
        ("sw", ["Faili la kesi", "Ukaguzi wa Ndani na Uadilifu"]),
    ],
)
def test_the_case_file_is_in_the_officers_language(
    app: Flask, client: FlaskClient, make_officer: object, language: str, words: list[str]
) -> None:
    filed = file_web_report(client, TEXT, attachment=(io.BytesIO(jpeg_with_gps()), "tank.jpg"))
    officer: OfficerLogin = make_officer("mukamana", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, officer)
    desk.set_cookie("lang", language)

    status, content, _ = _export(desk, filed.reference, "pdf")

    assert status == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for word in words:
        assert word in text
    for english in ("Category", "Queues", "Internal Audit", "bytes"):
        assert english not in text
