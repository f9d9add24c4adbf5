"""Codenames: normalising, generation, and the stored derivation format."""

from __future__ import annotations

import hashlib

import pytest

from hotline.crypto.codenames import (
    InvalidCodename,
    derive,
    generate_digits,
    generate_words,
    normalise,
    wordlist,
)

PEPPER = bytes(range(32))
# Test vectors: these pin the stored format (DESIGN.md, "Codenames"). If one of
# them changes, every reporter loses access to their reports.
WORDS = "Abacus Tidy Ocean Gravel Lemon Orbit Wharf"
WORDS_REPORTER_ID = "e4a03ed13f58c3050b1cd965d49692d45d38449719ad729d69f36d483a496622"
WORDS_PUBLIC_SHA256 = "d1112458a14c33f9de5880027a7cd9ab3712f011c8ce740baf3f8fa21cf404c3"
DIGITS = "4821-0937 5512 0084"
DIGITS_REPORTER_ID = "b46350ce31a122496860359625615e0a825b0e00816bd12374970b31d91926e2"
DIGITS_PUBLIC_SHA256 = "3bda3ac870691dfe624ce978734e5994690c63fadc1e2693b9c8eafd715016a4"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Abacus  Tidy-ocean", "abacus tidy ocean"),
        ("  ABACUS\ttidy\nocean ", "abacus tidy ocean"),
        ("ＡＢＡＣＵＳ tidy", "abacus tidy"),  # full-width letters (NFKC)
        ("4821 0937 5512 0084", "4821093755120084"),
        ("4821-0937-5512-0084", "4821093755120084"),
        ("٤٨٢١ ٠٩٣٧ ٥٥١٢ ٠٠٨٤", "4821093755120084"),  # Arabic-Indic digits
        ("۴۸۲۱۰۹۳۷۵۵۱۲۰۰۸۴", "4821093755120084"),  # Extended Arabic-Indic
    ],
)
def test_normalise_accepts_what_people_type(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "-- --", "abacus 4821"])
def test_normalise_refuses_what_cannot_be_a_codename(typed: str) -> None:
    with pytest.raises(InvalidCodename):
        normalise(typed)


def test_generated_codenames_have_the_designed_shape() -> None:
    words = generate_words().split(" ")
    assert len(words) == 7
    assert all(w in set(wordlist()) for w in words)
    digits = generate_digits()
    assert len(digits) == 19
    assert [len(g) for g in digits.split(" ")] == [4, 4, 4, 4]
    assert generate_words() != generate_words()


def test_wordlist_is_the_eff_long_list_without_hyphenated_words() -> None:
    words = wordlist()
    assert len(words) == 7772
    assert len(set(words)) == len(words)
    assert not any("-" in w or " " in w for w in words)


@pytest.mark.slow
def test_derivation_matches_committed_vectors_with_real_parameters() -> None:
    keys = derive(WORDS, PEPPER)
    assert keys.reporter_id == WORDS_REPORTER_ID
    assert hashlib.sha256(keys.private_key.public_key().raw).hexdigest() == WORDS_PUBLIC_SHA256
    digits = derive(DIGITS, PEPPER)
    assert digits.reporter_id == DIGITS_REPORTER_ID
    assert hashlib.sha256(digits.private_key.public_key().raw).hexdigest() == DIGITS_PUBLIC_SHA256


@pytest.mark.slow
def test_derivation_is_scrypt_with_the_documented_layout() -> None:
    out = hashlib.scrypt(
        b"abacus tidy ocean gravel lemon orbit wharf",
        salt=PEPPER,
        n=2**14,
        r=8,
        p=1,
        dklen=128,
        maxmem=2**28,
    )
    keys = derive(WORDS, PEPPER)
    assert keys.reporter_id == out[:32].hex()
    assert keys.private_key.raw == out[64:128] + out[32:64]
    assert derive(WORDS.upper().replace(" ", "-"), PEPPER).reporter_id == WORDS_REPORTER_ID


def test_a_different_pepper_or_codename_gives_a_different_reporter() -> None:
    base = derive(WORDS, PEPPER, n=16)
    assert derive(WORDS, bytes(32), n=16).reporter_id != base.reporter_id
    assert derive(WORDS + " extra", PEPPER, n=16).reporter_id != base.reporter_id


def test_reporter_keys_never_show_their_secret_in_repr() -> None:
    keys = derive(WORDS, PEPPER, n=16)
    assert keys.private_key.raw.hex()[:16] not in repr(keys)
    assert keys.private_key.raw.hex()[:16] not in repr(keys.private_key)
