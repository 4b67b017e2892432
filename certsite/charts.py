"""Charts drawn at build time as inline SVG: plain numbers and labels in, markup out.

Pure and self-contained: no JavaScript, nothing loaded from anywhere, no colour in the
markup. Every shape carries a class that the stylesheet colours from its custom
properties, so a chart follows the page into dark mode and prints black on white.
Every label, title and description is escaped here, because labels come from content
(a criterion's title, a standard's name) that arrives in untrusted pull requests.
The same input gives the same bytes: coordinates are written with one decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

WIDTH = 640
LABEL_CHARS = 38  # longer labels are cut in the picture; the table beside it has them whole


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, one per label, in the order given. ``id`` is unique on its page."""

    id: str
    title: str
    label_heading: str  # the table's column heads: what a bar is, and what it counts
    value_heading: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """One certification on a timeline: from ``start`` to ``end`` (its last day; None: open-ended)."""

    label: str
    start: date
    end: date | None
    end_derived: bool
    status: str


@dataclass(frozen=True, slots=True)
class Timeline:
    id: str
    title: str
    spans: tuple[Span, ...]
    as_of: date  # the build date, marked on the chart
    omitted: int = 0  # older spans left out to keep the page light


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _cut(label: str, limit: int = LABEL_CHARS) -> str:
    """A label short enough for the picture.

    >>> _cut("Short"), _cut("x" * 50)[-3:], len(_cut("x" * 50)), len(_cut("x" * 50, 30))
    ('Short', 'xx…', 38, 30)
    """
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _n(value: float) -> str:
    """A coordinate as few bytes write it, the same on every machine.

    >>> _n(12.0), _n(12.345), _n(0)
    ('12', '12.3', '0')
    """
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    ident = _text(chart_id)
    return [
        f'<svg class="chart" id="{ident}" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc"'
        f' viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" height="{_n(height)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(description)}</desc>',
    ]


def bar_description(chart: BarChart) -> str:
    """The chart in words, for screen readers: every bar's label and value.

    >>> bar_description(BarChart("c", "Per year", "Year", "Certifications", (Bar("2024", 3), Bar("2025", 1))))
    'Bar chart, Certifications by Year: 2024, 3; 2025, 1.'
    """
    values = "; ".join(f"{bar.label}, {bar.value}" for bar in chart.bars)
    return f"Bar chart, {chart.value_heading} by {chart.label_heading}: {values or 'none'}."


BAR_ROW = 22
BAR_HEIGHT = 14
BAR_LEFT = 270  # labels end left of it
BAR_SPACE = WIDTH - BAR_LEFT - 50  # room for the value after the longest bar


def bar_chart(chart: BarChart) -> str:
    """The chart as an SVG element: one row per bar, the label, the bar, the value.

    >>> svg = bar_chart(BarChart("c", "T", "Year", "Count", (Bar("2024", 4), Bar("<b>", 2), Bar("2026", 0))))
    >>> svg.count('class="chart-bar"'), 'width="320"' in svg, 'width="160"' in svg, "&lt;b&gt;" in svg, "<b>" in svg
    (3, True, True, True, False)
    """
    largest = max((bar.value for bar in chart.bars), default=0) or 1
    height = len(chart.bars) * BAR_ROW + 8
    parts = _open(chart.id, chart.title, bar_description(chart), height)
    for index, bar in enumerate(chart.bars):
        top = 4 + index * BAR_ROW
        middle = top + BAR_ROW / 2
        length = BAR_SPACE * bar.value / largest
        parts.append(
            '<g class="chart-row">'
            f'<text class="chart-label" x="{BAR_LEFT - 8}" y="{_n(middle)}" text-anchor="end" dominant-baseline="central">{_text(_cut(bar.label))}</text>'
            f'<rect class="chart-bar" x="{BAR_LEFT}" y="{_n(middle - BAR_HEIGHT / 2)}" width="{_n(length)}" height="{BAR_HEIGHT}"/>'
            f'<text class="chart-value" x="{_n(BAR_LEFT + length + 6)}" y="{_n(middle)}" dominant-baseline="central">{bar.value}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


SPAN_ROW = 34
SPAN_HEIGHT = 14
AXIS = 42  # the build date's label, then the year ticks, above the rows
# Room left of the bars for a row's two lines: the standard (cut to TIMELINE_LABEL_CHARS)
# and, the longest, "provisional, until 2026-03-22 (derived)" at 11 px.
PLOT_LEFT = 268
TIMELINE_LABEL_CHARS = 34
PLOT_RIGHT = WIDTH - 12


def timeline_description(timeline: Timeline) -> str:
    """The timeline in words: each certification's dates and status, and the build date.

    >>> span = Span("ASI PS V3", date(2024, 1, 10), date(2027, 1, 9), True, "certified")
    >>> timeline_description(Timeline("t", "T", (span,), date(2026, 11, 23)))
    'Timeline as of 2026-11-23: ASI PS V3, certified, from 2024-01-10 until 2027-01-09 (derived).'
    """
    rows = "; ".join(
        f"{span.label}, {span.status}, from {span.start.isoformat()} "
        + (f"until {span.end.isoformat()}{' (derived)' if span.end_derived else ''}" if span.end else "with no end date announced")
        for span in timeline.spans
    )
    more = f" {timeline.omitted} older certifications are not shown." if timeline.omitted else ""
    return f"Timeline as of {timeline.as_of.isoformat()}: {rows or 'no certifications'}.{more}"


def _years(first: date, last: date) -> list[int]:
    """The years whose first day is ticked: every year, or every 2nd, 5th or 10th when many;
    not ``last``, the right edge, where its label would not fit.

    >>> _years(date(2019, 1, 1), date(2028, 1, 1)), _years(date(2000, 1, 1), date(2031, 1, 1))
    ([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027], [2000, 2005, 2010, 2015, 2020, 2025, 2030])
    """
    span = last.year - first.year
    step = next(step for step in (1, 2, 5, 10, 20, 50) if span / step <= 12)
    return [year for year in range(first.year, last.year) if year % step == 0]


def timeline_chart(timeline: Timeline) -> str:
    """The timeline as an SVG element: a row per certification, bars along a time axis in
    whole years, an open end drawn to the right edge, and a line at the build date.

    >>> spans = (Span("A", date(2024, 1, 1), date(2024, 12, 31), False, "expired"), Span("B", date(2025, 1, 1), None, False, "certified"))
    >>> svg = timeline_chart(Timeline("t", "T", spans, date(2025, 1, 1)))
    >>> svg.count('class="chart-span'), "chart-span chart-open chart-certified" in svg, 'class="chart-today"' in svg
    (2, True, True)
    """
    ends = [span.end + timedelta(days=1) for span in timeline.spans if span.end]
    starts = [span.start for span in timeline.spans]
    first = date(min([*starts, *ends, timeline.as_of]).year, 1, 1)
    open_ended = any(span.end is None for span in timeline.spans)
    # An open end needs room past everything known, so that it reads as going on.
    last = date(max([*starts, *ends, timeline.as_of]).year + (2 if open_ended else 1), 1, 1)
    days = (last - first).days

    def x(day: date) -> float:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (day - first).days / days

    height = AXIS + len(timeline.spans) * SPAN_ROW + 6
    parts = _open(timeline.id, timeline.title, timeline_description(timeline), height)
    parts.append('<g class="chart-axis">')
    for year in _years(first, last):
        left = _n(x(date(year, 1, 1)))
        parts.append(f'<line class="chart-tick" x1="{left}" y1="{AXIS - 6}" x2="{left}" y2="{_n(height)}"/>')
        parts.append(f'<text class="chart-year" x="{left}" y="{AXIS - 10}" text-anchor="middle">{year}</text>')  # below the build date's label
    parts.append("</g>")
    for index, span in enumerate(timeline.spans):
        top = AXIS + index * SPAN_ROW
        left = x(span.start)
        right = x(span.end + timedelta(days=1)) if span.end else PLOT_RIGHT
        until = (span.end.isoformat() + (" (derived)" if span.end_derived else "")) if span.end else "no end date"
        status = _text(span.status)
        kind = f"chart-span chart-open chart-{status}" if span.end is None else f"chart-span chart-{status}"
        parts.append(
            '<g class="chart-row">'
            f'<text class="chart-label" x="{PLOT_LEFT - 8}" y="{top + 13}" text-anchor="end">{_text(_cut(span.label, TIMELINE_LABEL_CHARS))}</text>'
            f'<text class="chart-note" x="{PLOT_LEFT - 8}" y="{top + 27}" text-anchor="end">{status}, until {_text(until)}</text>'
            # At least 2 units wide, so that a certification of a few days (or with an end
            # before its start) still shows.
            f'<rect class="{kind}" x="{_n(left)}" y="{top + 7}" width="{_n(max(right - left, 2))}" height="{SPAN_HEIGHT}"/>'
            "</g>"
        )
    today = _n(x(timeline.as_of))
    anchor = "end" if x(timeline.as_of) > (PLOT_LEFT + PLOT_RIGHT) / 2 else "start"
    parts.append(
        f'<line class="chart-today" x1="{today}" y1="{AXIS - 4}" x2="{today}" y2="{_n(height)}"/>'
        f'<text class="chart-today-label" x="{today}" y="12" text-anchor="{anchor}">as of {timeline.as_of.isoformat()}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
