"""The recovery words split into shares, so that no single holder can use them.

The recovery words open every queue key, the codename register's included:
whoever holds them (with a copy of the database) reads every report, a report
kept from their own unit too. Split into shares (SLIP-39, Shamir's secret
sharing as Trezor specifies and maintains it in ``shamir-mnemonic``), one for
each receiving unit with two of three needed, no unit can open alone what a
reporter kept from it.

What is split is the words themselves, packed: each of the 20 words is its
index in the EFF long list (13 bits), so the secret is 34 bytes and each share
35 words of the SLIP-39 list, short enough for paper. Combining the shares
gives back the very words, so every command that takes a recovery file takes
a file holding enough shares instead (one share a line, in any order).
"""

from __future__ import annotations

from collections.abc import Sequence

import shamir_mnemonic
from shamir_mnemonic import MnemonicError, Share

from hotline.crypto.codenames import normalise, wordlist
from hotline.crypto.keyring import RECOVERY_WORDS, KeysError

#: Bytes of the packed words: 20 indices of 13 bits, rounded up to an even
#: length as SLIP-39 requires.
_PACKED_BYTES = 34
_INDEX_BITS = 13


def split_recovery_words(words: str, *, shares: int, needed: int) -> list[str]:
    """``shares`` mnemonics, any ``needed`` of which give back ``words``."""
    if not 2 <= needed <= shares <= 16:
        raise KeysError("split into 2 to 16 shares, at least 2 of them needed")
    groups = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(needed, shares)], master_secret=_pack(words)
    )
    return [str(share) for share in groups[0]]


def recovery_words_in(text: str) -> str:
    """The recovery words a recovery file holds: the words themselves, or
    enough shares of them, one a line. Errors never quote a word."""
    if _is_words(text):
        return normalise(text)
    shares = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    try:
        needed = int(Share.from_mnemonic(shares[0]).member_threshold) if shares else 0
    except MnemonicError:
        needed = 0
    if needed and len(set(shares)) < needed:
        raise KeysError(f"{needed} different shares are needed; this file holds {len(set(shares))}")
    try:
        secret = bytes(shamir_mnemonic.combine_mnemonics(shares))
    except MnemonicError:
        raise KeysError(
            f"this is neither the {RECOVERY_WORDS} recovery words nor enough shares of them "
            "from one split (a share is one line of 35 words)"
        ) from None
    return _unpack(secret)


def _is_words(text: str) -> bool:
    words = normalise(text).split(" ")
    return len(words) == RECOVERY_WORDS and set(words) <= set(wordlist())


def _pack(words: str) -> bytes:
    if not _is_words(words):
        raise KeysError(f"recovery words are {RECOVERY_WORDS} words of the list")
    index = {word: i for i, word in enumerate(wordlist())}
    number = 0
    for word in normalise(words).split(" "):
        number = number << _INDEX_BITS | index[word]
    return number.to_bytes(_PACKED_BYTES, "big")


def _unpack(secret: bytes) -> str:
    if len(secret) != _PACKED_BYTES:
        raise KeysError("these shares are not of Hotline recovery words")
    number = int.from_bytes(secret, "big")
    listed = wordlist()
    indices: Sequence[int] = [
        number >> (_INDEX_BITS * (RECOVERY_WORDS - 1 - i)) & (1 << _INDEX_BITS) - 1
        for i in range(RECOVERY_WORDS)
    ]
    if number >> (_INDEX_BITS * RECOVERY_WORDS) or any(i >= len(listed) for i in indices):
        raise KeysError("these shares are not of Hotline recovery words")
    return " ".join(listed[i] for i in indices)
