"""Reporter pages rendered once, with each visitor's values filled in per request.

The blank report form is the same for everyone who asks for the same category
in the same language, but for two values: the CSRF token and the one-time form
token; a receipt without files, but for the case reference and the codename.
Each is rendered once per language and variant with a marker in those places,
and every request fills the markers in, so a busy hotline spends its CPU on the
codename derivation rather than on templates.

Only markers are kept, never a value a visitor sent or was given, and only for
variants drawn from small fixed sets (languages, categories, checked in or
not); past ``MAX_PAGES`` a page is rendered afresh each time instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Mapping

from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import escape

EXTENSION = "hotline.prerendered"
MAX_PAGES = 256


class Prerendered:
    """Pages of one template, by language and variant, with blanks to fill."""

    def __init__(self, blanks: tuple[str, ...]) -> None:
        # Random markers cannot occur in a template, a translation or a unit name.
        self.markers = {name: f"blank{secrets.token_hex(12)}" for name in blanks}
        self._pages: dict[tuple[Hashable, ...], str] = {}

    def page(
        self,
        variant: Hashable,
        render: Callable[[Mapping[str, str]], str],
        values: Mapping[str, str],
    ) -> str:
        """The page for this request: ``render(markers)`` gives it with markers
        in the blanks, the first time only; ``values`` fill them, escaped."""
        key = (str(get_locale()), request.script_root, variant)
        shell = self._pages.get(key)
        if shell is None:
            shell = render(self.markers)
            if len(self._pages) < MAX_PAGES:
                self._pages[key] = shell
        page = shell
        for name, marker in self.markers.items():
            page = page.replace(marker, str(escape(values[name])))
        return page


def bind(app: Flask, **pages: Prerendered) -> None:
    """Give this application its own pages (each app has its own config)."""
    app.extensions[EXTENSION] = pages


def prerendered(name: str) -> Prerendered:
    page: Prerendered = current_app.extensions[EXTENSION][name]
    return page
