"""Reporter → officer → reporter: replies reach the reporter, notes and
measures never do, and files are served as inert downloads."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.desk.downloads import content_disposition, safe_filename, served_media_type
from hotline.models import Message, SealedKey
from hotline.sealing.items import FileToStore, read_message
from hotline.sealing.recipients import reporter_recipient
from hotline.sealing.store import store_attachment
from tests.helpers.desk import (
    audit_events,
    case,
    desk_post,
    file_web_report,
    officer_client,
    queue_keys,
    reporter_keys,
)
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import check_in, jpeg_with_gps

REPORT = "The warehouse manager at Kigali port re-labels cigarettes as biscuits"
REPLY = "Thank you. Which warehouse number, and on which days?"
NOTE = "Internal: the manager's cousin works in our unit; keep away from him"
MEASURE = "Reporter's shift moved away from the manager from Monday"


def test_an_officer_reply_reaches_the_reporter_at_check_in(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    login: OfficerLogin = make_officer("kamanzi", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    page = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    assert REPORT in page

    response = desk_post(desk, f"/officer/case/{filed.reference}/reply", reply=REPLY)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/officer/case/{filed.reference}?done=replied")
    # The desk says truthfully that nothing tells the reporter: they see it at check-in.
    done = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "The reporter sees it only when they check in." in done
    assert "sent to the reporter" not in done
    disclosure = case(db, filed.reference)
    assert disclosure.first_reply_on is not None
    reply = disclosure.messages[-1]
    assert (reply.author_kind, reply.officer_id) == ("officer", login.officer_id)

    checkin_page = check_in(client, filed.codename)
    assert REPLY.replace("'", "&#39;") in checkin_page
    # The reply is now marked read, and the officer sees that.
    assert "read by the reporter" in desk.get(f"/officer/case/{filed.reference}").get_data(
        as_text=True
    )

    # The reporter follows up; the officer sees it after the reply, in order.
    from tests.helpers.reporter import hidden

    followup = client.post(
        "/checkin/followup",
        data={
            "csrf_token": hidden(checkin_page, "csrf_token"),
            "disclosure": hidden(checkin_page, "disclosure"),
            "body": "Warehouse 7, every Tuesday night",
        },
    )
    assert followup.status_code == 303
    assert case(db, filed.reference).unread
    page = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    positions = [page.index(t) for t in (REPORT, "Which warehouse number", "Warehouse 7")]
    assert positions == sorted(positions)


def test_notes_and_measures_never_reach_the_reporter(
    app: Flask, client: FlaskClient, db: Session, initialised: Initialised, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT, "retaliation")
    login: OfficerLogin = make_officer("uwera", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/note", note=NOTE).status_code == 303
    assert desk_post(desk, f"{base}/measure", measure=MEASURE).status_code == 303

    page = desk.get(base).get_data(as_text=True)
    assert NOTE.replace("'", "&#39;") in page
    assert MEASURE.replace("'", "&#39;") in page
    checkin_page = check_in(client, filed.codename)
    assert "cousin" not in checkin_page
    assert "shift moved" not in checkin_page

    # Not only hidden: the reporter's key cannot open them, the queue's can.
    db.expire_all()
    internal = list(db.scalars(select(Message).where(Message.author_kind.in_(["note", "measure"]))))
    assert len(internal) == 2
    mine = reporter_keys(app, filed.codename)
    queue = queue_keys(initialised, db, "internal_audit")
    disclosure = case(db, filed.reference)
    for message in internal:
        with pytest.raises(CannotOpen):
            read_message(db, message, mine)
        assert read_message(db, message, queue) in (NOTE, MEASURE)
        recipients = set(
            db.scalars(select(SealedKey.recipient).where(SealedKey.item_id == message.id))
        )
        assert reporter_recipient(disclosure.reporter_id) not in recipients
    assert {e.action for e in audit_events(db)} >= {"case.note", "case.measure"}


def test_an_empty_reply_is_refused_with_a_message_and_stores_nothing(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    login: OfficerLogin = make_officer("empty", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    response = desk_post(desk, f"/officer/case/{filed.reference}/reply", reply="   ")
    assert response.status_code == 400
    assert 'id="case-error"' in response.get_data(as_text=True)
    assert [m.author_kind for m in case(db, filed.reference).messages] == ["reporter"]
    assert case(db, filed.reference).first_reply_on is None


def test_files_download_as_inert_attachments_and_each_download_is_audited(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    photo = jpeg_with_gps()
    filed = file_web_report(client, REPORT, attachment=(io.BytesIO(photo), "weighbridge.jpg"))
    # A hostile file stored directly, as a buggy channel might: the desk must
    # still never let the browser render it.
    disclosure = case(db, filed.reference)
    hostile = store_attachment(
        db,
        disclosure,
        FileToStore('../../x"; evil.html', "text/html", b"<script>alert(1)</script>"),
        message_id=None,
    )
    db.commit()
    login: OfficerLogin = make_officer("mukiza", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    page = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    links = re.findall(rf'href="(/officer/case/{filed.reference}/attachment/[0-9a-f]+)"', page)
    assert len(links) == 2
    assert "weighbridge.jpg" in page

    jpeg_link = next(link for link in links if hostile.id not in link)
    jpeg = desk.get(jpeg_link)
    assert jpeg.status_code == 200
    assert jpeg.headers["Content-Type"] == "image/jpeg"
    assert jpeg.headers["Content-Disposition"].startswith('attachment; filename="weighbridge.jpg"')
    assert jpeg.headers["X-Content-Type-Options"] == "nosniff"
    assert jpeg.data[:2] == b"\xff\xd8"

    html = desk.get(f"/officer/case/{filed.reference}/attachment/{hostile.id}")
    assert html.status_code == 200
    assert html.headers["Content-Type"] == "application/octet-stream"
    disposition = html.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="x_evil.html"')
    assert "/" not in disposition.split("filename*=")[1]
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert html.data == b"<script>alert(1)</script>"

    downloads = audit_events(db, "attachment.downloaded")
    assert len(downloads) == 2
    assert {e.detail for e in downloads} == {
        f"attachment={a.id}" for a in case(db, filed.reference).attachments
    }
    assert all("weighbridge" not in e.detail and "evil" not in e.detail for e in downloads)


def test_an_attachment_of_another_case_is_forbidden_through_this_one(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    first = file_web_report(client, REPORT)
    other = file_web_report(
        client, "other", "taxpayer_fraud", attachment=(io.BytesIO(jpeg_with_gps()), "a.jpg")
    )
    foreign = case(db, other.reference).attachments[0]
    login: OfficerLogin = make_officer("crosser", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    response = desk.get(f"/officer/case/{first.reference}/attachment/{foreign.id}")
    assert response.status_code == 403
    assert desk.get(f"/officer/case/{first.reference}/attachment/nothex").status_code == 403


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\tax.xlsx", "tax.xlsx"),
        ('a"b;c.png', "abc.png"),
        ("\u202etxt.exe", "txt.exe"),
        ("...", "attachment"),
        ("وثيقة.pdf", "attachment.pdf"),
        ("no extension", "no_extension"),
    ],
)
def test_safe_filenames(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    header = content_disposition(name)
    assert header.startswith("attachment; ")
    assert all(ch not in header for ch in "\r\n\u202e")


@pytest.mark.parametrize(
    ("claimed", "served"),
    [
        ("image/png", "image/png"),
        ("IMAGE/JPEG", "image/jpeg"),
        ("application/pdf", "application/pdf"),
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("text/html; charset=utf-8", "application/octet-stream"),
    ],
)
def test_only_inert_media_types_are_served_as_such(claimed: str, served: str) -> None:
    assert served_media_type(claimed) == served
