"""Bar charts as inline SVG, drawn on the server.

No JavaScript and no chart library: the pages carry no script at all and the
Content-Security-Policy allows none. Colours are SVG presentation attributes,
not ``style`` attributes, which that policy would block. Every chart has a
``<title>``, ``role="img"`` and an ``aria-label``, and every bar its value as
text, so a screen reader or a black-and-white print loses nothing.

A value of ``None`` draws no bar, only its marker ("<5", "x"): a hidden count
must not leak through a bar's height. A group whose every bar is "<5" says so
in words (``hidden_label``) instead of showing an empty axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Distinguishable in colour-blind palettes and on grey print (Okabe–Ito).
PALETTE = ("#0072b2", "#e69f00", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#f0e442", "#000")

PLOT_TOP = 24
PLOT_HEIGHT = 180
LABEL_SPACE = 40


@dataclass(frozen=True)
class Series:
    label: str
    #: One value per group; ``None`` when it is not published.
    values: Sequence[int | None]
    #: What to print instead of a missing bar (same length as ``values``).
    markers: Sequence[str] = ()


def _nice_ceiling(value: int) -> int:
    """A round axis maximum: 1, 2, 5, 10, 20, 50, ..."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    width: int = 640,
    hidden_label: str = "",
) -> Markup:
    """Grouped (or stacked) bars: one group per label in ``groups``.

    ``width`` is the drawing's own unit width; it scales to its box, so a
    narrow one keeps its text legible on a phone.
    """
    legend_columns = 2 if width < 480 else 3
    legend_rows = -(-len(series) // legend_columns)
    height = PLOT_TOP + PLOT_HEIGHT + LABEL_SPACE + 20 * legend_rows
    totals = [
        sum(s.values[i] or 0 for s in series)
        if stacked
        else max((s.values[i] or 0) for s in series)
        for i in range(len(groups))
    ]
    top = _nice_ceiling(max([1, *totals]))
    baseline = PLOT_TOP + PLOT_HEIGHT
    group_width = (width - 20) / max(1, len(groups))
    bars_per_group = 1 if stacked else max(1, len(series))
    bar_width = max(2.0, min(48.0, (group_width - 8) / bars_per_group))

    def y(value: float) -> float:
        return baseline - PLOT_HEIGHT * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="10" y1="{baseline}" x2="{width - 10}" y2="{baseline}" stroke="#555"/>',
        f'<text x="10" y="14" font-size="11" fill="#444">{top}</text>',
        f'<line x1="10" y1="{PLOT_TOP}" x2="{width - 10}" y2="{PLOT_TOP}" stroke="#ddd"/>',
    ]
    for i, group in enumerate(groups):
        x0 = 10 + i * group_width + (group_width - bar_width * bars_per_group) / 2
        stack = 0
        hidden = [s.markers[i] if i < len(s.markers) else "" for s in series if s.values[i] is None]
        if hidden_label and series and len(hidden) == len(series) and set(hidden) == {"<5"}:
            # Nothing drawn at all reads as "no cases"; say what the bars hide.
            parts.append(
                f'<text x="{10 + (i + 0.5) * group_width:.1f}" y="{baseline - PLOT_HEIGHT / 2}" '
                f'font-size="12" text-anchor="middle" fill="#222" class="hidden-group">'
                f"{escape(hidden_label)}</text>"
            )
            hidden_group = True
        else:
            hidden_group = False
        for k, s in enumerate(series):
            value = s.values[i]
            x = x0 if stacked else x0 + k * bar_width
            colour = PALETTE[k % len(PALETTE)]
            if value is None:
                marker = s.markers[i] if i < len(s.markers) else ""
                if not stacked and marker and not hidden_group:
                    parts.append(
                        f'<text x="{x + bar_width / 2:.1f}" y="{baseline - 4}" font-size="11" '
                        f'text-anchor="middle" fill="#444">{escape(marker)}</text>'
                    )
                continue
            if value == 0:
                continue
            top_y, bottom_y = y(stack + value), y(stack)
            parts.append(
                f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar_width - 1:.1f}" '
                f'height="{bottom_y - top_y:.1f}" fill="{colour}">'
                f"<title>{escape(s.label)}, {escape(group)}: {value}</title></rect>"
            )
            if not stacked:
                parts.append(
                    f'<text x="{x + bar_width / 2:.1f}" y="{top_y - 3:.1f}" font-size="11" '
                    f'text-anchor="middle" fill="#222">{value}</text>'
                )
            if stacked:
                stack += value
        if stacked:
            parts.append(
                f'<text x="{x0 + bar_width / 2:.1f}" y="{y(stack) - 3:.1f}" font-size="11" '
                f'text-anchor="middle" fill="#222">{stack}</text>'
            )
        parts.append(
            f'<text x="{10 + (i + 0.5) * group_width:.1f}" y="{baseline + 16}" font-size="12" '
            f'text-anchor="middle" fill="#222">{escape(group)}</text>'
        )
    legend_top = baseline + LABEL_SPACE
    for k, s in enumerate(series):
        lx = 10 + (k % legend_columns) * (width - 20) / legend_columns
        ly = legend_top + 20 * (k // legend_columns)
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{lx + 16:.1f}" y="{ly}" font-size="12" fill="#222">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    # Every interpolated text went through escape(); numbers are ours.
    return Markup("".join(parts))  # noqa: S704
