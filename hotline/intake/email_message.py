"""Temporary: only ``hotline/intake/sms.py`` still imports ``strip_codename`` from here.

The e-mail parser moved to ``hotline/intake/email/`` and codename text handling
to :mod:`hotline.crypto.codename_text`. Delete this module when SMS imports
from there (issue 12, item 1); nothing else may import it.
"""

from hotline.crypto.codename_text import strip_codename

__all__ = ["strip_codename"]
