"""The category of an e-mail report, from a plus address or the subject."""

from __future__ import annotations

import pytest

from hotline.procedure import Category
from hotline.routing.email_category import detect_category


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Customs fraud at the border", Category.TAXPAYER_FRAUD),
        ("Company is SMUGGLING cigarettes", Category.TAXPAYER_FRAUD),
        ("Suspected tax evasion", Category.TAXPAYER_FRAUD),
        ("Fraude à la TVA", Category.TAXPAYER_FRAUD),
        ("Contrebande de carburant", Category.TAXPAYER_FRAUD),
        ("EVASION FISCALE", Category.TAXPAYER_FRAUD),
        ("évasion fiscale massive", Category.TAXPAYER_FRAUD),
        ("Magendu ku mupaka", Category.TAXPAYER_FRAUD),
        ("Kunyereza imisoro", Category.TAXPAYER_FRAUD),
        ("Uburiganya mu bucuruzi", Category.TAXPAYER_FRAUD),
        ("Biashara ya magendo bandarini", Category.TAXPAYER_FRAUD),
        ("Ukwepaji wa kodi", Category.TAXPAYER_FRAUD),
        ("تهريب السجائر", Category.TAXPAYER_FRAUD),
        ("بلاغ عن التهرب الضريبي", Category.TAXPAYER_FRAUD),
        ("احتيال في الفواتير", Category.TAXPAYER_FRAUD),
        ("Officer took a bribe", Category.STAFF_MISCONDUCT),
        ("Corruption at the airport", Category.STAFF_MISCONDUCT),
        ("Pot-de-vin exigé", Category.STAFF_MISCONDUCT),
        ("Ruswa ku mupaka", Category.STAFF_MISCONDUCT),
        ("Afisa anadai rushwa", Category.STAFF_MISCONDUCT),
        ("فساد في الجمارك", Category.STAFF_MISCONDUCT),
        ("طلب رشوة", Category.STAFF_MISCONDUCT),
        ("رشوه", Category.STAFF_MISCONDUCT),
        ("Retaliation after my report", Category.RETALIATION),
        ("Harassment by my manager", Category.RETALIATION),
        ("Représailles", Category.RETALIATION),
        ("Harcèlement au bureau", Category.RETALIATION),
        ("Kulipiza kisasi", Category.RETALIATION),
        ("Unyanyasaji kazini", Category.RETALIATION),
        ("Kwihorera", Category.RETALIATION),
        ("انتقام بعد البلاغ", Category.RETALIATION),
        ("Bribe, fraud and now harassment", Category.RETALIATION),
        ("Bribe paid to hide tax evasion", Category.STAFF_MISCONDUCT),
        ("Attachment corrupted, resending", Category.OTHER),
        ("Brief update", Category.OTHER),
        ("Sales tax question", Category.OTHER),
        ("Fraudster? No: frau", Category.TAXPAYER_FRAUD),
        ("Hello", Category.OTHER),
        ("", Category.OTHER),
    ],
)
def test_category_from_subject(subject: str, expected: str) -> None:
    assert detect_category([], subject) == expected


@pytest.mark.parametrize(
    ("recipients", "subject", "expected"),
    [
        (["report+fraud@example.org"], "Hello", Category.TAXPAYER_FRAUD),
        (["Hotline <REPORT+Tax@example.org>"], "Hello", Category.TAXPAYER_FRAUD),
        (["report+smuggling@example.org"], "Hello", Category.TAXPAYER_FRAUD),
        (["report+corruption@example.org"], "Smuggling", Category.STAFF_MISCONDUCT),
        (["report+misconduct@example.org"], "Hello", Category.STAFF_MISCONDUCT),
        (["report+staff@example.org"], "Hello", Category.STAFF_MISCONDUCT),
        (["report+retaliation@example.org"], "Hello", Category.RETALIATION),
        (["report+other@example.org"], "Bribe", Category.OTHER),
        (["report+fraud@example.org"], "Harassment", Category.RETALIATION),
        (["someone+fraud@example.org"], "Hello", Category.OTHER),
        (["report+unknown@example.org"], "Bribe", Category.STAFF_MISCONDUCT),
        (
            ["report+fraud@example.org", "report+corruption@example.org"],
            "x",
            Category.STAFF_MISCONDUCT,
        ),
    ],
)
def test_category_from_plus_address(recipients: list[str], subject: str, expected: str) -> None:
    assert detect_category(recipients, subject) == expected
