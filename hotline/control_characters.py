"""Control characters at the edges: refused in forms, shown visibly to officers.

A NUL byte in any form field made PostgreSQL fail (a 500) and other control
characters have no place in a report, a codename or a sign-in; they are
answered with a clear 400 page instead. Unicode direction controls (bidi
overrides, isolates, marks) are legitimate in Arabic text, so they are filed,
but the desk shows them as visible tokens such as ⟨U+202E⟩: a reporter's text
(or a file name) can never be made to read backwards on an officer's screen.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from hotline.errors import error_page

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Direction marks, embeddings, overrides and isolates.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: The gateways' webhooks (SMS, USSD, voice) answer in their own formats, never with a
#: page, and their dialogues read any text: left to their channels.
_GATEWAY_PREFIXES = ("/sms/", "/ussd/", "/voice/")


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value) is not None


def refuse_control_characters() -> Response | None:
    """Before every form post: a field holding a control character is a 400."""
    if request.method != "POST" or request.path.startswith(_GATEWAY_PREFIXES):
        return None
    for key, value in request.form.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            return error_page(
                400,
                _("Invisible characters"),
                _(
                    "Nothing was sent: the form holds invisible control characters. Go "
                    "back: your text is still in the form. Remove them and send again."
                ),
            )
    return None


def visible_controls(value: object) -> Markup:
    """A template filter: the text escaped, direction controls shown as code points (⟨U+202E⟩)."""
    if value is None:
        return Markup("")
    text = str(escape(value))
    return Markup(BIDI.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text))  # noqa: S704


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)
    app.add_template_filter(visible_controls)
