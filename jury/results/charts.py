"""Horizontal bar charts drawn on the server as SVG (no script).

``bar_chart`` computes the geometry; ``templates/jury/stats/_chart.html`` draws it as an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summing up the values, followed by a
table holding the same numbers (the accessible alternative).

Each chart is drawn twice: at 640 units for wide screens, and at 320 units, labels wrapped,
for phones (the template shows one or the other). A 640-unit drawing squeezed into a phone's
343 px would shrink its 13-unit text to 7 px; the phone drawing is shown at about its own
width, so its text keeps about its nominal size.
"""

from __future__ import annotations

import textwrap
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
# The phone drawing: narrower, labels on up to three lines, the legend one entry a line.
NARROW_WIDTH = 320
NARROW_VALUE_SPACE = 86
NARROW_LINE_CHARS = 40
NARROW_MAX_LINES = 3
LINE_HEIGHT = 16
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
class LabelLine:
    text: str
    y: float


@dataclass
class ChartRow:
    label: str
    short_label: str
    label_y: float
    bars: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    lang: str | None = None  # the label's language when it is not the interface's


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
    narrow: Chart | None = None  # the same chart drawn for phones

    @property
    def title_id(self):
        return f"{self.id}-title"

    @property
    def desc_id(self):
        return f"{self.id}-desc"


def bar_chart(chart_id, title, rows, series, value_format=str, lang_of=None):
    """A chart of ``rows`` = [(label, [value per series]), …] with ``series`` names.

    ``value_format`` turns a value into the text shown (and read) next to its bar. A value of
    ``None`` (unknown, e.g. an amount not published) draws no bar and reads « — ».
    ``lang_of(label)`` gives the language of a label written by staff (« fr »), else ``None``.
    """

    def text(value):
        return "—" if value is None else value_format(value)

    description = " ; ".join(
        f"{label} : "
        + ", ".join(
            f"{name} {text(value)}" if len(series) > 1 else text(value)
            for name, value in zip(series, row_values, strict=True)
        )
        for label, row_values in rows
    )
    wide = _layout(rows, series, text, WIDTH, VALUE_SPACE, narrow=False)
    narrow = _layout(rows, series, text, NARROW_WIDTH, NARROW_VALUE_SPACE, narrow=True)
    if lang_of is not None:
        for row in wide["rows"] + narrow["rows"]:
            row.lang = lang_of(row.label)
    common = {"title": str(title), "description": description, "series": [str(s) for s in series]}
    return Chart(
        id=chart_id,
        **common,
        **wide,
        narrow=Chart(id=f"{chart_id}-narrow", **common, **narrow),
    )


def _label_lines(label: str, narrow: bool) -> list[str]:
    if not narrow:
        return [Truncator(label).chars(LABEL_CHARS)]
    lines = textwrap.wrap(label, NARROW_LINE_CHARS) or [""]
    if len(lines) > NARROW_MAX_LINES:
        rest = Truncator(" ".join(lines[NARROW_MAX_LINES - 1 :])).chars(NARROW_LINE_CHARS)
        lines = [*lines[: NARROW_MAX_LINES - 1], rest]
    return lines


def _layout(rows, series, text, width, value_space, narrow):
    """The geometry of the rows, the legend and the height at ``width`` units."""
    values = [v for _label, row_values in rows for v in row_values if v is not None]
    maximum = max(values, default=0) or 1
    span = width - value_space
    if len(series) > 1:
        # Wide: the legend entries side by side; narrow: one a line.
        legend = [
            LegendItem(
                label=name,
                colour=COLOURS[i % len(COLOURS)],
                x=0 if narrow else i * 220,
                y=4 + i * 20 if narrow else 4,
            )
            for i, name in enumerate(series)
        ]
        top = len(series) * 20 + 6 if narrow else LEGEND_HEIGHT
    else:
        legend, top = [], 0
    chart_rows = []
    y = top
    for label, row_values in rows:
        lines = _label_lines(str(label), narrow)
        row = ChartRow(
            label=str(label),
            short_label=Truncator(str(label)).chars(LABEL_CHARS),
            label_y=y + LABEL_HEIGHT - 5,
            lines=[
                LabelLine(text=line, y=y + LABEL_HEIGHT - 5 + i * LINE_HEIGHT)
                for i, line in enumerate(lines)
            ],
        )
        bar_y = y + LABEL_HEIGHT + (len(lines) - 1) * LINE_HEIGHT
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
    return {
        "rows": chart_rows,
        "legend": legend,
        "width": width,
        "height": max(y, top + LABEL_HEIGHT),
    }
