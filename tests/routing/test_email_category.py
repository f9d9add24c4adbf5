"""The category of an e-mail report, from a plus address or the subject."""

from __future__ import annotations

import pytest

from hotline.routing.email_category import (
    OTHER,
    RETALIATION,
    STAFF_MISCONDUCT,
    TAXPAYER_FRAUD,
    detect_category,
)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Customs fraud at the border", TAXPAYER_FRAUD),
        ("Company is SMUGGLING cigarettes", TAXPAYER_FRAUD),
        ("Suspected tax evasion", TAXPAYER_FRAUD),
        ("Fraude à la TVA", TAXPAYER_FRAUD),
        ("Contrebande de carburant", TAXPAYER_FRAUD),
        ("EVASION FISCALE", TAXPAYER_FRAUD),
        ("évasion fiscale massive", TAXPAYER_FRAUD),
        ("Magendu ku mupaka", TAXPAYER_FRAUD),
        ("Kunyereza imisoro", TAXPAYER_FRAUD),
        ("Uburiganya mu bucuruzi", TAXPAYER_FRAUD),
        ("Biashara ya magendo bandarini", TAXPAYER_FRAUD),
        ("Ukwepaji wa kodi", TAXPAYER_FRAUD),
        ("تهريب السجائر", TAXPAYER_FRAUD),
        ("بلاغ عن التهرب الضريبي", TAXPAYER_FRAUD),
        ("احتيال في الفواتير", TAXPAYER_FRAUD),
        ("Officer took a bribe", STAFF_MISCONDUCT),
        ("Corruption at the airport", STAFF_MISCONDUCT),
        ("Pot-de-vin exigé", STAFF_MISCONDUCT),
        ("Ruswa ku mupaka", STAFF_MISCONDUCT),
        ("Afisa anadai rushwa", STAFF_MISCONDUCT),
        ("فساد في الجمارك", STAFF_MISCONDUCT),
        ("طلب رشوة", STAFF_MISCONDUCT),
        ("رشوه", STAFF_MISCONDUCT),
        ("Retaliation after my report", RETALIATION),
        ("Harassment by my manager", RETALIATION),
        ("Représailles", RETALIATION),
        ("Harcèlement au bureau", RETALIATION),
        ("Kulipiza kisasi", RETALIATION),
        ("Unyanyasaji kazini", RETALIATION),
        ("Kwihorera", RETALIATION),
        ("انتقام بعد البلاغ", RETALIATION),
        ("Bribe, fraud and now harassment", RETALIATION),
        ("Bribe paid to hide tax evasion", STAFF_MISCONDUCT),
        ("Attachment corrupted, resending", OTHER),
        ("Brief update", OTHER),
        ("Sales tax question", OTHER),
        ("Fraudster? No: frau", TAXPAYER_FRAUD),
        ("Hello", OTHER),
        ("", OTHER),
    ],
)
def test_category_from_subject(subject: str, expected: str) -> None:
    assert detect_category([], subject) == expected


@pytest.mark.parametrize(
    ("recipients", "subject", "expected"),
    [
        (["report+fraud@example.org"], "Hello", TAXPAYER_FRAUD),
        (["Hotline <REPORT+Tax@example.org>"], "Hello", TAXPAYER_FRAUD),
        (["report+smuggling@example.org"], "Hello", TAXPAYER_FRAUD),
        (["report+corruption@example.org"], "Smuggling", STAFF_MISCONDUCT),
        (["report+misconduct@example.org"], "Hello", STAFF_MISCONDUCT),
        (["report+staff@example.org"], "Hello", STAFF_MISCONDUCT),
        (["report+retaliation@example.org"], "Hello", RETALIATION),
        (["report+other@example.org"], "Bribe", OTHER),
        (["report+fraud@example.org"], "Harassment", RETALIATION),
        (["someone+fraud@example.org"], "Hello", OTHER),
        (["report+unknown@example.org"], "Bribe", STAFF_MISCONDUCT),
        (["report+fraud@example.org", "report+corruption@example.org"], "x", STAFF_MISCONDUCT),
    ],
)
def test_category_from_plus_address(recipients: list[str], subject: str, expected: str) -> None:
    assert detect_category(recipients, subject) == expected
