"""GSM-7 detection, segment counting and paging (hotline.intake.sms.gsm)."""

from __future__ import annotations

import pytest

from hotline.intake.sms import gsm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Send DONE when finished.", True),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", True),
        ("braces {} and [brackets] and € ^ ~ | \\", True),
        ("curly \u201cquotes\u201d", False),
        ("an em\u2014dash", False),
        ("ç is not in the basic set", False),
        ("تم", False),
        ("emoji \U0001f600", False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert gsm.is_gsm7(text) is expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        # An extension character takes two septets...
        ("€" * 80, 1),
        ("€" * 81, 2),
        # ...and is never split across segments: 152 + 2 does not fit in 153.
        ("a" * 152 + "€" + "a" * 152, 3),
        ("ع" * 70, 1),
        ("ع" * 71, 2),
        ("ع" * 201, 3),
        ("ع" * 202, 4),
        # A character outside the BMP is two UTF-16 units, never split.
        ("\U0001f600" * 35, 1),
        ("ع" * 66 + "\U0001f600" + "ع" * 66, 3),
    ],
)
def test_segments(text: str, count: int) -> None:
    assert gsm.segments(text) == count


def test_fits_is_two_gsm7_or_three_ucs2_segments() -> None:
    assert gsm.fits("a" * 306)
    assert not gsm.fits("a" * 307)
    assert not gsm.fits("a" * 300 + "{}{}")
    assert gsm.fits("ع" * 201)
    assert not gsm.fits("ع" * 202)
    # One non-GSM character turns a 250-character English text into UCS-2.
    assert not gsm.fits("a" * 249 + "ê")


@pytest.mark.parametrize(
    "text",
    [
        "word " * 400,
        "x" * 1_000,
        ("Ijambo ryanjye " * 60) + "ê",
        "رسالة طويلة من الضابط " * 40,
        "line\n" * 200,
        "\U0001f600" * 300,
    ],
)
def test_paginate_cuts_into_replies_that_fit_and_lose_nothing(text: str) -> None:
    hint = "Send MORE for the rest."
    pages = gsm.paginate(text, hint)
    assert len(pages) > 1
    for page in pages:
        assert gsm.fits(page), page
    for page in pages[:-1]:
        assert page.endswith("\n" + hint)
    assert not pages[-1].endswith(hint)
    rebuilt = "".join(p.removesuffix("\n" + hint) for p in pages)
    assert "".join(rebuilt.split()) == "".join(text.split())


def test_paginate_prefers_word_boundaries() -> None:
    pages = gsm.paginate("abcdefghij " * 60, "MORE")
    for page in pages:
        for word in page.removesuffix("\nMORE").split():
            assert word == "abcdefghij"


def test_a_short_text_is_one_page_without_hint() -> None:
    assert gsm.paginate("Received.", "Send MORE") == ["Received."]


def test_a_hint_that_cannot_fit_is_an_error() -> None:
    with pytest.raises(ValueError, match="hint"):
        gsm.paginate("x" * 400, "y" * 400)
