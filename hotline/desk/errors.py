"""Why the desk refused an action on a case the officer may open.

(A case the officer may not open raises :class:`hotline.desk.access.CaseForbidden`.)
"""

from __future__ import annotations

from collections.abc import Mapping

from hotline.procedure import RefusalReason


class CaseRefused(ValueError):
    """The action is not allowed in the case's present state, or the input is unusable.

    ``reason`` is a stable key the desk turns into words in the officer's
    language, with ``params`` (states, limits) filled in; the English message
    is for logs and tests. None of them ever holds case content.
    """

    def __init__(self, reason: RefusalReason, message: str, **params: str | int) -> None:
        super().__init__(message)
        # Only a member of the vocabulary, so a mistyped reason fails mypy where
        # it is raised rather than reaching the officer as a generic message.
        self.reason = reason
        self.params: Mapping[str, str | int] = params
