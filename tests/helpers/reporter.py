"""A reporter's browser without JavaScript: open the form, file a report, check in."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from PIL import Image

TEXT = "The clearing agent at Gatuna paid the assessor 2 million to under-declare 40 tonnes"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name}"
    return match.group(1)


def element(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', html)
    assert match, f"no #{element_id}"
    return match.group(1).strip()


def open_form(client: FlaskClient, path: str = "/report") -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    return {"csrf_token": hidden(html, "csrf_token"), "form_token": hidden(html, "form_token")}


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (16, 16), (0, 90, 200))
    exif = Image.Exif()
    exif[0x013B] = "Reporter Real Name"
    exif.get_ifd(0x8825)[2] = (1.0, 56.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def file_report(
    client: FlaskClient, text: str = TEXT, category: str = "staff_misconduct", **extra: object
) -> str:
    data: dict[str, object] = {**open_form(client), "category": category, "body": text, **extra}
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def check_in(client: FlaskClient, codename: str) -> str:
    html = client.get("/checkin").get_data(as_text=True)
    response = client.post(
        "/checkin", data={"csrf_token": hidden(html, "csrf_token"), "codename": codename}
    )
    assert response.status_code == 303
    return client.get("/checkin").get_data(as_text=True)
