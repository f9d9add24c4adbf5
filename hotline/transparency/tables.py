"""What is published: the measures, quarters, and the tables of figures.

A figure is a value or the reason it is hidden; a year table maps rows
(categories and "all") to figures; these shapes are stored frozen in
``PublishedStatistics`` and rendered as the page, the CSV and the JSON, so
all three always carry the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hotline.procedure import Category, Outcome
from hotline.transparency.suppression import THRESHOLD, State

FORMAT = 1
#: The rows, in the order of the procedure's categories.
CATEGORIES: tuple[Category, ...] = tuple(Category)
ALL = "all"
ROWS = (*CATEGORIES, ALL)
CLOSED_BY = tuple(f"closed_{outcome}" for outcome in Outcome)
#: Counts that add up (rows and columns), in publication order.
COUNTS = ("received", "ongoing", "closed", *CLOSED_BY, "rewards_paid")
#: Every published measure, in the order of the page, the CSV and the JSON.
MEASURES = (
    "received",
    "ongoing",
    "closed",
    *CLOSED_BY,
    "acknowledged_in_time_pct",
    "median_days_to_acknowledgement",
    "median_days_to_closure",
    "rewards_paid",
    "rewards_paid_total_minor",
)
#: What a year in progress shows: the all-categories row only.
PROVISIONAL = ("received", "ongoing", "closed")

Reason = Literal["fewer_than_5", "protects_another", "too_few_cases", "withheld"]
REASON_OF_STATE: dict[State, Reason] = {
    "small": "fewer_than_5",
    "protect": "protects_another",
    "withheld": "withheld",
}
_STATE_OF_REASON: dict[str | None, State] = {
    None: "shown",
    "fewer_than_5": "small",
    "protects_another": "protect",
    "withheld": "withheld",
}


# --- quarters -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        year, number = text.split("Q")
        return cls(int(year), int(number))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def last_completed_quarter(today: dt.date) -> Quarter:
    """Today's quarter is never published: it is not over."""
    return Quarter.of(today).previous()


# --- published figures -------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One published cell: a value, or why there is none."""

    value: int | float | None
    reason: Reason | None = None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None

    @property
    def csv(self) -> str:
        if self.reason == "fewer_than_5":
            return "<5"
        if self.reason is not None:
            return "x"
        return "" if self.value is None else str(self.value)

    def as_json(self) -> dict[str, Any]:
        if self.reason is None:
            return {"value": self.value, "suppressed": False}
        return {"value": None, "suppressed": True, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        return cls(data["value"], data.get("reason"))


@dataclass(frozen=True)
class YearTable:
    year: int
    #: The last quarter included.
    through: Quarter
    #: All four quarters are in (the full table); otherwise the year so far.
    final: bool
    rows: dict[str, dict[str, Figure]]

    def figure(self, row: str, measure: str) -> Figure | None:
        return self.rows.get(row, {}).get(measure)

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "through": str(self.through),
            "final": self.final,
            "rows": {
                row: {m: f.as_json() for m, f in figures.items()}
                for row, figures in self.rows.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> YearTable:
        return cls(
            year=int(data["year"]),
            through=Quarter.parse(data["through"]),
            final=bool(data["final"]),
            rows={
                row: {m: Figure.from_json(f) for m, f in figures.items()}
                for row, figures in data["rows"].items()
            },
        )


@dataclass(frozen=True)
class PublicStatistics:
    #: Newest year first.
    years: tuple[YearTable, ...]

    @property
    def through(self) -> Quarter | None:
        return max((y.through for y in self.years), default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "threshold": THRESHOLD,
            "published_through": str(self.through) if self.through else None,
            "categories": list(CATEGORIES),
            "measures": list(MEASURES),
            "suppressed": {
                "fewer_than_5": "a count from 1 to 4 (CSV: <5)",
                "protects_another": "hidden so that a small count elsewhere cannot be "
                "worked out (CSV: x)",
                "too_few_cases": "a share or median over fewer than 5 cases (CSV: x)",
                "withheld": "too few cases that year to publish any count safely (CSV: x)",
            },
            "years": [y.as_json() for y in self.years],
        }

    def csv_rows(self) -> list[list[str]]:
        rows = [["year", "through", "status", "category", *MEASURES]]
        for table in self.years:
            for row in ROWS:
                if row not in table.rows:
                    continue
                status = "final" if table.final else "provisional"
                figures = [table.figure(row, m) for m in MEASURES]
                rows.append(
                    [
                        str(table.year),
                        str(table.through),
                        status,
                        row,
                        *("" if f is None else f.csv for f in figures),
                    ]
                )
        return rows


def state_of(figure: Figure) -> State:
    """The suppression state a published figure was given."""
    return _STATE_OF_REASON.get(figure.reason, "protect")
