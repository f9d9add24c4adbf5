"""Codenames in free text: one separator set, found strictly, stripped generously.

The parser tests (tests/intake/test_email_message.py) cover finding and
stripping in real messages; these pin the separator set itself.
"""

from __future__ import annotations

import pytest

from hotline.crypto.codename_text import (
    CODENAME_PLACEHOLDER,
    GROUP_SEPARATORS,
    SEPARATORS,
    cut_digit_tail,
    find_codename,
    format_codename,
    strip_codename,
)

CODENAME = "4821093755120084"


def test_group_separators_are_a_subset_of_the_one_separator_set() -> None:
    assert GROUP_SEPARATORS <= SEPARATORS


@pytest.mark.parametrize(
    "separator",
    # what a phone, a mail client or the normalising KDF input puts between digits
    [" ", "\t", "\n", "\r", "\u00a0", "\u202f", "-", "\u2010", "\u2014", "\u2015", ".", "_"]
    + ["/", ",", "\u066b", "\u066c", "\u200e", "\u200f", "\u061c", "\u2028", "\u3000"],
)
def test_the_separator_set_holds_every_separator_people_type(separator: str) -> None:
    assert separator in SEPARATORS
    grouped = separator.join(CODENAME[i : i + 4] for i in range(0, 16, 4))
    assert strip_codename(f"x {grouped} y", CODENAME) == f"x {CODENAME_PLACEHOLDER} y"


@pytest.mark.parametrize("separator", ["/", ",", "\n", "_"])
def test_numbers_grouped_like_dates_or_amounts_are_not_found(separator: str) -> None:
    grouped = separator.join(CODENAME[i : i + 4] for i in range(0, 16, 4))
    assert find_codename(grouped) is None


def test_letters_and_digits_are_not_separators() -> None:
    assert not SEPARATORS & set("0123456789٠١٢abcXYZ")


def test_a_cut_never_keeps_the_first_half_of_a_digit_run() -> None:
    assert cut_digit_tail("amount 12, codename 4821 09") == "amount 12, codename"
    assert cut_digit_tail("no digits at the end") == "no digits at the end"


def test_format_codename_shows_four_groups_of_four() -> None:
    assert format_codename("4821-0937-5512-0084") == "4821 0937 5512 0084"


def test_strip_codename_handles_any_grouping_and_keeps_other_numbers() -> None:
    text = (
        "a 4821 0937 5512 0084 b 48-21-09-37-55-12-00-84 c 4821\n0937\n5512\n0084 "
        "d ٤٨٢١-٠٩٣٧-٥٥١٢-٠٠٨٤ e 9948210937551200841 f 1111 2222 3333 4444"
    )
    stripped = strip_codename(text, CODENAME)
    assert stripped.count(CODENAME_PLACEHOLDER) == 5
    assert "99" + CODENAME_PLACEHOLDER + "1" in stripped
    assert "1111 2222 3333 4444" in stripped
    assert _digits_only(stripped) == "99" + "1" + "1111222233334444"


def test_strip_codename_accepts_a_grouped_codename_and_rejects_garbage() -> None:
    assert strip_codename("x ٤٨٢١٠٩٣٧٥٥١٢٠٠٨٤", "4821 0937 5512 0084") == (
        f"x {CODENAME_PLACEHOLDER}"
    )
    with pytest.raises(ValueError, match="digit"):
        strip_codename("text", "12")
    with pytest.raises(ValueError, match="digit"):
        strip_codename("text", "codename 4821093755120084")


def _digits_only(text: str) -> str:
    return "".join(c for c in text if c.isdecimal())
