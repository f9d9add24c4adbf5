"""The MIME defects of a message, by class name only (never content)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Defects"]

_MAX_DEFECTS = 64


class Defects:
    """An ordered, de-duplicated, bounded set of defect *names* (never content)."""

    def __init__(self) -> None:
        self._names: dict[str, None] = {}

    def add(self, name: str) -> None:
        if len(self._names) < _MAX_DEFECTS:
            self._names.setdefault(name, None)

    def extend(self, defects: Iterable[object]) -> None:
        for defect in defects:
            self.add(type(defect).__name__)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._names)
