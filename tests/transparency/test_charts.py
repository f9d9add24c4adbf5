"""The public chart when every bar of a year is hidden."""

from __future__ import annotations

from hotline.transparency.charts import Series, bar_chart


def test_a_year_with_every_bar_hidden_says_fewer_than_5() -> None:
    chart = bar_chart(
        "Received",
        ["2024", "2025"],
        [Series("Tax", [None, 12], ["<5", ""]), Series("Customs", [None, 7], ["<5", ""])],
        width=360,
        hidden_label="fewer than 5",
    )
    assert chart.count("fewer than 5") == 1
    assert chart.count("<rect") == 2 + 2  # two bars for 2025, two legend swatches


def test_a_group_hiding_a_protected_count_keeps_its_markers() -> None:
    """ "x" may hide 5 or more: the group must not claim "fewer than 5"."""
    chart = bar_chart(
        "Received",
        ["2024"],
        [Series("Tax", [None], ["x"]), Series("Customs", [None], ["<5"])],
        hidden_label="fewer than 5",
    )
    assert "fewer than 5" not in chart
    assert ">x</text>" in chart
    assert "&lt;5</text>" in chart
