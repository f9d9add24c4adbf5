"""Codenames: generation, normalisation and the scrypt derivation.

The codename is the reporter's only credential. It is never stored, logged,
put in a session or a URL: only what :func:`derive` computes from it is kept,
and of that only the reporter id and the public key reach the database.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from hotline.config import SCRYPT_N
from hotline.crypto.keypairs import PrivateKey, PublicKey

KDF_VERSION = 1
WEB_CODENAME_WORDS = 7
DIGIT_CODENAME_LENGTH = 16

#: Invisible direction marks that right-to-left keyboards and mail clients put
#: between digits (LRM, RLM, the Arabic letter mark).
BIDI_MARKS = "\u200e\u200f\u061c"

#: The one separator set, as a regular-expression class: what may sit between
#: the words or digits of a typed codename. Any whitespace (line breaks included:
#: mail clients wrap), hyphens and dashes, dots, underscores, slashes, commas, the
#: Arabic decimal and thousands separators, and bidi marks. No generated codename
#: contains any of them, so widening this set only lets more typings match.
SEPARATOR_CLASS = f"[\\s\\-\u2010-\u2015._/,\u066b\u066c{BIDI_MARKS}]"
_SEPARATORS = re.compile(SEPARATOR_CLASS + "+")


class InvalidCodename(ValueError):
    """The input cannot be a codename (empty, or words mixed with digits)."""


@cache
def wordlist() -> tuple[str, ...]:
    text = resources.files("hotline.crypto").joinpath("eff_long_wordlist.txt").read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


def generate_words(count: int = WEB_CODENAME_WORDS) -> str:
    """Seven words from the EFF long list: about 90 bits for web reporters."""
    words = wordlist()
    return " ".join(secrets.choice(words) for _ in range(count))


def generate_digits() -> str:
    """Sixteen digits in groups of four (about 53 bits) for SMS, e-mail and voice."""
    digits = f"{secrets.randbelow(10**DIGIT_CODENAME_LENGTH):0{DIGIT_CODENAME_LENGTH}d}"
    return " ".join(digits[i : i + 4] for i in range(0, DIGIT_CODENAME_LENGTH, 4))


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def normalise(codename: str) -> str:
    """The one canonical form that is fed to the KDF.

    NFKC and casefold; digits of any script become ASCII. A codename with no
    letters is a digit codename and its separators are dropped; otherwise the
    words are split on spaces or hyphens and joined by one space.
    """
    text = unicodedata.normalize("NFKC", codename).casefold()
    text = "".join(_ascii_digit(c) for c in text)
    parts = [p for p in _SEPARATORS.split(text) if p]
    if not parts:
        raise InvalidCodename("empty codename")
    joined = "".join(parts)
    if joined.isdigit():
        return joined
    if any(any(c.isdigit() for c in p) for p in parts):
        raise InvalidCodename("a codename is either words or digits")
    return " ".join(parts)


@dataclass(frozen=True, repr=False)
class ReporterKeys:
    """What a codename opens: the database lookup key and the private key."""

    reporter_id: str
    private_key: PrivateKey
    kdf_version: int = KDF_VERSION

    def __repr__(self) -> str:
        return f"ReporterKeys({self.reporter_id[:8]}…)"

    @cached_property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True, repr=False)
class KnownReporter:
    """A reporter as the database knows them, without their codename: enough
    to file a new report under it (sealed to its public key), never to read one.

    An SMS thread that saw a valid code files a retaliation report under it
    this way: it keeps the reporter id, never the codename or the private key.
    """

    reporter_id: str
    public_key: PublicKey
    kdf_version: int = KDF_VERSION

    def __repr__(self) -> str:
        return f"KnownReporter({self.reporter_id[:8]}…)"


#: Whom a new report can be filed under: a codename just typed, or a reporter it proved earlier.
Filer = ReporterKeys | KnownReporter


def derive(codename: str, pepper: bytes, *, n: int = SCRYPT_N) -> ReporterKeys:
    """scrypt(normalised, salt=pepper, n, r=8, p=1, dklen=128), split as DESIGN.md says.

    ``out[0:32]`` is the reporter id, ``out[32:64]`` the X25519 scalar and
    ``out[64:128]`` the ML-KEM-768 seed.
    """
    out = hashlib.scrypt(
        normalise(codename).encode("utf-8"),
        salt=pepper,
        n=n,
        r=8,
        p=1,
        dklen=128,
        maxmem=256 * 1024 * 1024,
    )
    return ReporterKeys(
        reporter_id=out[0:32].hex(),
        private_key=PrivateKey.from_components(mlkem_seed=out[64:128], x25519_scalar=out[32:64]),
    )


def looks_like_codename(text: str) -> bool:
    try:
        normalise(text)
    except InvalidCodename:
        return False
    return True


class CodenameKdf:
    """The derivation as the application runs it: the instance pepper, the cost,
    and a cap on how many derivations run at once.

    Behind a Tor onion service every client shares one address, so per-address
    lock-outs would let one guesser shut every reporter out. Capping concurrent
    derivations instead bounds what guessing can take from new submissions.
    """

    def __init__(self, pepper: bytes, *, n: int = SCRYPT_N, concurrent: int = 2) -> None:
        import threading

        self._pepper = pepper
        self.n = n
        self._gate = threading.BoundedSemaphore(max(1, concurrent))

    def __repr__(self) -> str:
        return f"CodenameKdf(n={self.n})"

    def derive(self, codename: str) -> ReporterKeys:
        with self._gate:
            return derive(codename, self._pepper, n=self.n)
