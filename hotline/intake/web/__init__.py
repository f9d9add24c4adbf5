"""The web channel: the reporter's pages (landing, report form, receipt, check-in).

No JavaScript anywhere. Views parse, call ``intake.service``, ``intake.checkin``
or ``intake.operations``, and render. The codename appears in exactly one
response (the receipt of the submitting POST) and is never put in a URL, cookie,
session, log or cache.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from hotline.instance import current
from hotline.intake.web.prerendered import Prerendered
from hotline.intake.web.prerendered import bind as bind_prerendered
from hotline.intake.web.receipts import queue_labels, removed_labels

blueprint = Blueprint("reporter", __name__)


@blueprint.context_processor
def reporter_context() -> dict[str, Any]:
    return {
        "config_max_chars": current().config.max_report_chars,
        "removed_labels": removed_labels,
        "queue_labels": queue_labels,
    }


def register(app: Flask) -> None:
    # Importing the page modules attaches their routes to the blueprint.
    import hotline.intake.web.checkin_views
    import hotline.intake.web.views  # noqa: F401

    app.register_blueprint(blueprint)
    bind_prerendered(
        app,
        report_form=Prerendered(blanks=("csrf_token", "form_token")),
        receipt=Prerendered(blanks=("reference", "codename")),
    )
