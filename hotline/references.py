"""Case references (``HL-7K3M-Q9PA``): making one, finding one in text, reading one typed.

A reference names a case, never its reporter: it is printed on the receipt,
quoted in e-mail subjects and typed into the desk. Proving authorship takes the
codename; a reference alone can only ever link to a case, never open it.
"""

from __future__ import annotations

import re
import secrets

#: Crockford's base32 without I, L, O, U: easy to read aloud and to type on a keypad.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

#: Longer than any reference: what the desk keeps of a typed one before looking it up.
MAX_REFERENCE_LENGTH = 16

_GROUP = f"([{REFERENCE_ALPHABET}]{{4}})"
_DASH = "[-\u2010\u2011\u2013]"
# Any case (a mail client may lower it), any of the dashes people's software
# substitutes, and never a run inside a longer word or number.
_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z])HL{_DASH}{_GROUP}{_DASH}{_GROUP}(?![0-9A-Za-z])", re.I | re.A
)


def new_reference() -> str:
    """A fresh random reference (40 bits); ``submit`` retries the rare collision."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"HL-{chars[:4]}-{chars[4:]}"


def find_case_reference(text: str) -> str | None:
    """The first case reference in text (an e-mail subject), uppercased."""
    match = _IN_TEXT.search(text)
    if match is None:
        return None
    return f"HL-{match.group(1).upper()}-{match.group(2).upper()}"


def normalise_reference(reference: str) -> str:
    """A reference as typed into the desk's address bar, in the stored form."""
    return reference.strip().upper()[:MAX_REFERENCE_LENGTH]
