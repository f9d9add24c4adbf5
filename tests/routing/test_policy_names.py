"""Issue 14 item 5: the names on the most safety-critical choice a reporter
makes (which units their report concerns, so that those units never receive
it) are in the reporter's language, from the policy file, for every language."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.config import DEFAULT_POLICY
from hotline.intake.sms import gsm
from hotline.intake.sms.texts import Texts
from hotline.intake.ussd.screens import Screens, fits
from hotline.procedure import LANGUAGES, Category
from hotline.routing import PolicyError, load_policy
from tests.helpers.reporter import TEXT, element, file_report

TRANSLATED = [language for language in LANGUAGES if language != "en"]
GOOD = DEFAULT_POLICY.read_text()


def unit_labels(page: str) -> dict[str, str]:
    """The units the form offers, by value, as the reporter reads them."""
    found = re.findall(r'name="concerns" value="([a-z_]+)"[^>]*> ([^<]+)</label>', page)
    return {slug: html.unescape(label).strip() for slug, label in found}


def exclusion_warning(page: str) -> str:
    end = page.index('name="concerns"')
    fieldset = page[page.rindex("<fieldset>", 0, end) : end]
    [warning] = re.findall(r'<p class="hint">([^<]+)</p>', fieldset)
    return html.unescape(warning)


def test_every_policy_name_has_every_language() -> None:
    policy = load_policy(DEFAULT_POLICY)
    for unit in policy.units.values():
        assert set(unit.names) == set(LANGUAGES)
        for language in TRANSLATED:
            assert unit.label(language) != unit.name, (unit.slug, language)
    for slug in policy.all_queue_slugs:
        for language in TRANSLATED:
            assert policy.queue_label(slug, language) != policy.queue_name(slug), (slug, language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_units_on_the_report_form_are_in_the_reporters_language(
    client: FlaskClient, language: str
) -> None:
    english_page = client.get("/report?lang=en").get_data(as_text=True)
    english = unit_labels(english_page)
    assert english == {
        "commissioner_general": "The Commissioner General's office",
        "internal_audit": "Internal Audit & Integrity",
        "investigation": "Revenue Investigation & Enforcement",
    }
    page = client.get(f"/report?lang={language}").get_data(as_text=True)
    translated = unit_labels(page)
    assert set(translated) == set(english)
    policy = load_policy(DEFAULT_POLICY)
    for slug, label in translated.items():
        assert label != english[slug], (language, slug)
        assert label == policy.units[slug].label(language)
    # The warning next to them too: ticking a unit keeps it from the report.
    assert exclusion_warning(page) != exclusion_warning(english_page)
    # A page prerendered in one language is never served in another.
    assert unit_labels(client.get("/report?lang=en").get_data(as_text=True)) == english


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_receipt_names_where_the_report_went_in_the_reporters_language(
    client: FlaskClient, language: str
) -> None:
    client.get(f"/report?lang={language}")
    page = file_report(client, TEXT, "staff_misconduct", concerns="internal_audit")
    policy = load_policy(DEFAULT_POLICY)
    sent = html.unescape(element(page, "sent-to"))
    kept = html.unescape(element(page, "kept-from"))
    assert policy.queue_label("commissioner_general", language) in sent
    assert policy.queue_label("internal_audit", language) not in sent
    assert policy.queue_label("internal_audit", language) in kept
    if language != "en":
        assert policy.queue_label("internal_audit", "en") not in kept
    # Another report, with nothing excluded, gets its own receipt (prerendered per variant).
    other = file_report(client, TEXT, "staff_misconduct")
    assert 'id="kept-from"' not in other
    assert policy.queue_label("internal_audit", language) in html.unescape(
        element(other, "sent-to")
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_category_labels_of_the_sms_and_ussd_menus_are_translated_and_fit(
    app: Flask, language: str
) -> None:
    with app.test_request_context():
        english, texts, screens = Texts("en"), Texts(language), Screens(language)
        welcome, categories = texts.welcome(), screens.categories()
        for category in Category:
            label = texts.category_label(category)
            assert label != english.category_label(category), (language, category)
            assert label in welcome
            if category != Category.RETALIATION:  # USSD has its own entry for it
                assert label in categories
        assert gsm.fits(welcome)
        assert fits(categories)


def test_a_name_table_missing_a_language_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('sw = "Ukaguzi wa Ndani na Uadilifu"\n', "", 1)
    assert text != GOOD
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match="queue 'internal_audit': name has no 'sw' translation"):
        load_policy(path)


def test_a_name_table_with_an_unknown_language_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        'ar = "التدقيق الداخلي والنزاهة"\n', 'ar = "التدقيق الداخلي والنزاهة"\nde = "Revision"\n', 1
    )
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match="unknown language 'de'"):
        load_policy(path)


def test_a_plain_name_is_shown_as_it_is_in_every_language(tmp_path: Path) -> None:
    start = GOOD.index("[units.investigation.name]")
    end = GOOD.index("\n\n", start)
    text = (GOOD[:start] + GOOD[end:]).replace(
        "[units.investigation]\n", '[units.investigation]\nname = "RIE"\n', 1
    )
    path = tmp_path / "policy.toml"
    path.write_text(text)
    unit = load_policy(path).units["investigation"]
    assert {unit.label(language) for language in LANGUAGES} == {"RIE"}
