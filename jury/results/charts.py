"""Horizontal bar charts drawn on the server as SVG (no script).

``bar_chart`` computes the geometry; ``templates/jury/stats/_chart.html`` draws it as an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summing up the values, followed by a
table holding the same numbers (the accessible alternative).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import Truncator

WIDTH = 640
VALUE_SPACE = 110  # room right of the longest bar for its value
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 14
LEGEND_HEIGHT = 26
LABEL_CHARS = 80
# DSFR blue france and its lighter main tone: both above 3:1 against white.
COLOURS = ["#000091", "#6a6af4"]


@dataclass
class Bar:
    series: str
    colour: str
    x: int
    y: float
    width: float
    height: int
    value: object
    text: str
    text_x: float
    text_y: float


@dataclass
class ChartRow:
    label: str
    short_label: str
    label_y: float
    bars: list = field(default_factory=list)


@dataclass
class LegendItem:
    label: str
    colour: str
    x: int
    y: int


@dataclass
class Chart:
    id: str
    title: str
    description: str
    series: list
    rows: list
    legend: list
    width: int
    height: float

    @property
    def title_id(self):
        return f"{self.id}-title"

    @property
    def desc_id(self):
        return f"{self.id}-desc"


def bar_chart(chart_id, title, rows, series, value_format=str):
    """A chart of ``rows`` = [(label, [value per series]), …] with ``series`` names.

    ``value_format`` turns a value into the text shown (and read) next to its bar. A value of
    ``None`` (unknown, e.g. an amount not published) draws no bar and reads « — ».
    """

    def text(value):
        return "—" if value is None else value_format(value)

    values = [v for _label, row_values in rows for v in row_values if v is not None]
    maximum = max(values, default=0) or 1
    span = WIDTH - VALUE_SPACE
    top = LEGEND_HEIGHT if len(series) > 1 else 0
    legend = [
        LegendItem(label=name, colour=COLOURS[i % len(COLOURS)], x=i * 220, y=4)
        for i, name in enumerate(series)
        if len(series) > 1
    ]
    chart_rows = []
    y = top
    for label, row_values in rows:
        row = ChartRow(
            label=str(label),
            short_label=Truncator(str(label)).chars(LABEL_CHARS),
            label_y=y + LABEL_HEIGHT - 5,
        )
        bar_y = y + LABEL_HEIGHT
        for index, value in enumerate(row_values):
            length = 0 if value is None else float(Decimal(value) / Decimal(maximum)) * span
            # A zero stays visible as a hairline so the row does not look missing.
            length = max(length, 1 if value is not None else 0)
            row.bars.append(
                Bar(
                    series=series[index],
                    colour=COLOURS[index % len(COLOURS)],
                    x=0,
                    y=bar_y,
                    width=round(length, 1),
                    height=BAR_HEIGHT,
                    value=value,
                    text=text(value),
                    text_x=round(length + 6, 1),
                    text_y=bar_y + BAR_HEIGHT - 3,
                )
            )
            bar_y += BAR_HEIGHT + BAR_GAP
        chart_rows.append(row)
        y = bar_y + ROW_GAP
    description = " ; ".join(
        f"{label} : "
        + ", ".join(
            f"{name} {text(value)}" if len(series) > 1 else text(value)
            for name, value in zip(series, row_values, strict=True)
        )
        for label, row_values in rows
    )
    return Chart(
        id=chart_id,
        title=str(title),
        description=description,
        series=[str(s) for s in series],
        rows=chart_rows,
        legend=legend,
        width=WIDTH,
        height=max(y, top + LABEL_HEIGHT),
    )
