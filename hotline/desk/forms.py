"""Officer desk forms. Every one carries Flask-WTF's CSRF token.

Choices that depend on the case (officers, queues) are not validated here:
the services decide, against the database, what is allowed, so a forged
choice is refused there with a clear message.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from hotline.desk.casefile import CaseFile
from hotline.desk.wording import queue_label
from hotline.forms import Form
from hotline.procedure import LinkKind, Outcome, RewardState, Status


class ReplyForm(Form):
    reply = TextAreaField(
        _l("Reply to the reporter"),
        validators=[InputRequired(message=_l("Write the reply first."))],
    )


class NoteForm(Form):
    note = TextAreaField(
        _l("Internal note (the reporter never sees it)"),
        validators=[InputRequired(message=_l("Write the note first."))],
    )


class MeasureForm(Form):
    measure = TextAreaField(
        _l("Protective measure taken or check-in done"),
        validators=[InputRequired(message=_l("Describe the measure first."))],
    )


class StatusForm(Form):
    status = SelectField(
        _l("New status"),
        choices=[SelectChoice(s, s.lazy_label) for s in Status],
        validators=[InputRequired()],
    )
    outcome = SelectField(
        _l("Outcome (when closing)"),
        choices=[
            SelectChoice("", _l("none")),
            *(SelectChoice(o, o.lazy_label) for o in Outcome),
        ],
        default="",
    )
    pointer = TextAreaField(_l("Pointer to the right channel (out of scope only, sent as a reply)"))


class AssignForm(Form):
    assignee = SelectField(_l("Assign to"), validate_choice=False)


class LinkForm(Form):
    other = StringField(
        _l("Reference of the other case"),
        validators=[InputRequired(message=_l("Enter a case reference.")), Length(max=32)],
    )
    kind = SelectField(
        _l("Kind of link"),
        choices=[SelectChoice(kind, kind.lazy_label) for kind in LinkKind],
        default=LinkKind.RELATED,
    )


class RerouteForm(Form):
    add_queue = SelectField(_l("Add queue"), validate_choice=False)
    remove_queue = SelectField(_l("Remove queue"), validate_choice=False)


class RemovalDecisionForm(Form):
    """Approve or refuse (or, for the requester, withdraw) a waiting queue removal."""

    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("refuse", _l("Refuse"))],
        validators=[InputRequired()],
    )


class RewardForm(Form):
    reward_state = SelectField(
        _l("Reward state"),
        choices=[SelectChoice(r, r.lazy_label) for r in RewardState],
        validators=[InputRequired()],
    )
    collected = StringField(
        _l("Penalties and interest collected (e.g. 1500000.00)"),
        validators=[Length(max=32)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class ExportForm(Form):
    what = SelectField(
        _l("Export"),
        choices=[
            SelectChoice("pdf", _l("Case file (PDF), without internal notes")),
            SelectChoice("pdf_notes", _l("Case file (PDF), with internal notes")),
            SelectChoice("files", _l("The case's files (zip)")),
        ],
    )


class NotificationsForm(Form):
    """How an officer hears of their cases: each batch, or once a day."""

    how = SelectField(
        _l("Notification e-mails"),
        choices=[
            SelectChoice("immediate", _l("As things happen (every batch)")),
            SelectChoice("digest", _l("One daily digest")),
        ],
    )


def case_page_forms(case_file: CaseFile, bound: dict[str, FlaskForm]) -> dict[str, FlaskForm]:
    """Every form of the case page: the one just sent keeps what was typed."""
    forms: dict[str, FlaskForm] = {
        "reply": ReplyForm(formdata=None),
        "note": NoteForm(formdata=None),
        "measure": MeasureForm(formdata=None),
        "status": StatusForm(formdata=None),
        "assign": AssignForm(formdata=None),
        "link": LinkForm(formdata=None),
        "reroute": RerouteForm(formdata=None),
        "reward": RewardForm(formdata=None),
        "export": ExportForm(formdata=None),
    }
    forms.update(bound)
    status = forms["status"]
    status.status.choices = [SelectChoice(s, s.label) for s in case_file.next_statuses]
    assign = forms["assign"]
    assign.assignee.choices = [
        SelectChoice("", _("nobody")),
        *(SelectChoice(str(i), u) for i, u in case_file.assignable),
    ]
    if "assign" not in bound:
        assign.assignee.data = str(case_file.assigned_id or "")
    reroute_form = forms["reroute"]
    reroute_form.add_queue.choices = [
        SelectChoice("", _("none")),
        *(SelectChoice(q.slug, queue_label(q.slug, q.name)) for q in case_file.reroute_targets),
    ]
    reroute_form.remove_queue.choices = [
        SelectChoice("", _("none")),
        *(SelectChoice(q.slug, queue_label(q.slug, q.name)) for q in case_file.removable_queues),
    ]
    reward = forms["reward"]
    reward.reward_state.choices = [SelectChoice(s, s.label) for s in case_file.reward.next_states]
    link = forms["link"]
    if not case_file.is_retaliation:
        link.kind.choices = [SelectChoice(LinkKind.RELATED, LinkKind.RELATED.label)]
    return forms
