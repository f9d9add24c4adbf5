"""The export route of the case page (``hotline.desk.export`` builds the files),
on the desk's blueprint."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.auth.session import officer_required, signed_in_officer
from hotline.desk.downloads import content_disposition
from hotline.desk.export import ExportUnavailable, export_files, export_pdf
from hotline.desk.forms import ExportForm
from hotline.desk.views import _audit_key, _case_page, _form_error, blueprint
from hotline.instance import current, db_session
from hotline.models import today
from hotline.references import normalise_reference


@blueprint.post("/case/<reference>/export")
@officer_required
def export(reference: str) -> Response | WerkzeugResponse:
    form = ExportForm()
    if not form.validate_on_submit():
        return _case_page(reference, 400, _form_error(form), {"export": form})
    instance = current()
    session = db_session()
    what = form.what.data
    try:
        if what == "files":
            content = export_files(
                session, _audit_key(), signed_in_officer(), reference, policy=instance.policy
            )
            name, media_type = f"{normalise_reference(reference)}-files.zip", "application/zip"
        else:
            content = export_pdf(
                session,
                _audit_key(),
                signed_in_officer(),
                reference,
                policy=instance.policy,
                include_notes=what == "pdf_notes",
                today=today(),
            )
            name, media_type = f"{normalise_reference(reference)}.pdf", "application/pdf"
    except ExportUnavailable:
        session.rollback()
        message = _("The server cannot make PDF files: its font is missing. Tell the operator.")
        return _case_page(reference, 503, message)
    session.commit()
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
