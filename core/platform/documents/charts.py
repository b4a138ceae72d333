"""Charts people want to look at, drawn by matplotlib without pyplot (no global state between requests).

Each function returns a Chart that renders as SVG (web pages), PNG, or PDF (vector, for PDF reports). Labels arrive
already translated; numbers are formatted in the language current when the chart is drawn. A value given as None is
a hidden (suppressed) cell: it is drawn as HIDDEN, never as a bar or a number.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from core.platform.i18n import babel_locale, current_language, format_percent

PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b8405e", "#7a5195", "#8c8c8c")
HIDDEN = "—"
# Entries per page of an interval chart at most: a quarter inch a row keeps 8-point labels apart on an A4 page.
INTERVAL_ROWS_PER_PAGE = 30
LABEL_CHARACTERS = 42


@dataclass(frozen=True)
class Chart:
    figure: Figure
    title: str

    def svg(self) -> str:
        """SVG markup for a page; the title is also the accessible name."""
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        text = buffer.getvalue()
        start = text.find("<svg")
        return text[start:] if start >= 0 else text

    def png(self, *, dpi: int = 150) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return buffer.getvalue()

    def pdf(self) -> bytes:
        """One vector page whose text a PDF reader can select and search."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="pdf", bbox_inches="tight",
                            metadata={"Creator": None, "Producer": None, "CreationDate": None})
        return buffer.getvalue()


def number_text(digits: int = 2) -> Callable[[float], str]:
    """Numbers as the reader writes them ("4,5" in Italian), with at most `digits` decimals."""
    locale = babel_locale(current_language())
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")

    def text(value: float) -> str:
        return format_decimal(value, format=pattern, locale=locale)

    return text


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def _tidy(axes, number: Callable[[float], str], *, value_axis: str) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    formatter = FuncFormatter(lambda value, _position: number(value))
    (axes.xaxis if value_axis == "x" else axes.yaxis).set_major_formatter(formatter)


def _label_with_note(axes, label: str, note: str) -> None:
    """The axis label under the chart, with the note on hidden cells on a line of its own below it."""
    if note:
        axes.set_xlabel("\n".join(t for t in (label, note) if t), fontsize=8)
    else:
        axes.set_xlabel(label)


def short_label(text: str, limit: int = LABEL_CHARACTERS) -> str:
    """A label cut to `limit` characters with an ellipsis, so that long names do not run into each other."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _wrapped(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(short_label(text), width=max(6, width), max_lines=3, placeholder="…")) or text


def bar_chart(*, title: str, categories: Sequence[str], series: dict[str, Sequence[float | None]],
              horizontal: bool | None = None, value_label: str = "", category_label: str = "",
              hidden_note: str = "") -> Chart:
    """Grouped bars: one group per category, one bar per series (e.g. applications and finalists per track).

    Horizontal by default when the categories are many or long, so that their names never overlap; a None value
    is a hidden cell, marked HIDDEN where its bar would be (explained by `hidden_note` under the chart).
    """
    if horizontal is None:
        horizontal = len(categories) > 5 or any(len(str(c)) > 60 / max(1, len(categories)) for c in categories)
    number = number_text()
    n = max(1, len(series))
    height = max(2.5, (0.22 * n + 0.18) * len(categories) + 1.3) if horizontal else 3.4
    figure = _figure(7, height)
    axes = figure.add_subplot()
    width = 0.8 / n
    positions = range(len(categories))
    top = max((v for values in series.values() for v in values if v is not None), default=0) or 1
    for i, (name, values) in enumerate(series.items()):
        offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
        drawn = [0 if v is None else v for v in values]
        colour = PALETTE[i % len(PALETTE)]
        if horizontal:
            bars = axes.barh(offsets, drawn, height=width, label=name, color=colour)
        else:
            bars = axes.bar(offsets, drawn, width=width, label=name, color=colour)
        axes.bar_label(bars, labels=[HIDDEN if v is None else number(v) for v in values], fontsize=7, padding=2)
    if horizontal:
        axes.set_yticks(list(positions), [_wrapped(c, 28) for c in categories], fontsize=8)
        axes.invert_yaxis()
        _label_with_note(axes, value_label, hidden_note)
        axes.set_ylabel(category_label)
        axes.set_xlim(0, top * 1.15)
        axes.xaxis.set_major_locator(MaxNLocator(integer=all(float(v).is_integer() for values in series.values()
                                                             for v in values if v is not None)))
    else:
        axes.set_xticks(list(positions), [_wrapped(c, max(8, 70 // max(1, len(categories)))) for c in categories],
                        fontsize=8)
        axes.set_ylabel(value_label)
        _label_with_note(axes, category_label, hidden_note)
        axes.set_ylim(0, top * 1.15)
        axes.yaxis.set_major_locator(MaxNLocator(integer=all(float(v).is_integer() for values in series.values()
                                                             for v in values if v is not None)))
    if len(series) > 1:  # under the chart, where no bar can be
        figure.legend(frameon=False, fontsize=8, loc="outside lower center", ncols=len(series))
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes, number, value_axis="x" if horizontal else "y")
    return Chart(figure=figure, title=title)


def funnel_chart(*, title: str, stages: Sequence[str], counts: Sequence[int | None], value_label: str = "",
                 hidden_note: str = "") -> Chart:
    """Stages of the call (applications, admissible, finalists, winners), one bar each on a counted axis; a hidden
    stage (None) has no bar and reads HIDDEN."""
    number = number_text(0)
    figure = _figure(7, max(2.4, 0.55 * len(stages) + 1.2))
    axes = figure.add_subplot()
    top = max((c for c in counts if c is not None), default=0) or 1
    for i, count in enumerate(counts):
        if count is not None:
            axes.barh(i, count, color=PALETTE[i % len(PALETTE)], height=0.65)
        axes.text((count or 0) + top * 0.01, i, HIDDEN if count is None else number(count), ha="left",
                  va="center", fontsize=9)
    axes.set_yticks(range(len(stages)), [_wrapped(s, 24) for s in stages], fontsize=9)
    axes.set_ylim(len(stages) - 0.5, -0.5)
    axes.set_xlim(0, top * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _label_with_note(axes, value_label, hidden_note)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes, number, value_axis="x")
    return Chart(figure=figure, title=title)


def interval_chart(*, title: str, labels: Sequence[str], scores: Sequence[float], lows: Sequence[float],
                   highs: Sequence[float], cut_after: int | None = None, value_label: str = "",
                   limits: tuple[float, float] | None = None) -> Chart:
    """Scores with their intervals, best first; a dashed line after the `cut_after`-th entry marks the cut.

    `limits` fixes the score axis, so that the pages of one long chart (see interval_charts) compare at a glance.
    """
    number = number_text()
    figure = _figure(7, max(2.5, 0.25 * len(labels) + 1.2))
    axes = figure.add_subplot()
    ys = list(range(len(labels)))
    errors = [[max(0.0, s - lo) for s, lo in zip(scores, lows, strict=True)],
              [max(0.0, hi - s) for s, hi in zip(scores, highs, strict=True)]]
    axes.errorbar(scores, ys, xerr=errors, fmt="o", color=PALETTE[0], ecolor="#7fa7c4", capsize=2, markersize=4)
    axes.set_yticks(ys, [short_label(label) for label in labels], fontsize=8)
    axes.set_ylim(len(labels) - 0.5, -0.5)
    if limits is not None:
        axes.set_xlim(*limits)
    if cut_after is not None and 0 < cut_after <= len(labels):
        axes.axhline(cut_after - 0.5, color=PALETTE[3], linestyle="--", linewidth=1)
    axes.set_xlabel(value_label)
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes, number, value_axis="x")
    return Chart(figure=figure, title=title)


def interval_charts(*, title: str, labels: Sequence[str], scores: Sequence[float], lows: Sequence[float],
                    highs: Sequence[float], cut_after: int | None = None, value_label: str = "",
                    rows_per_page: int = INTERVAL_ROWS_PER_PAGE) -> list[Chart]:
    """An interval chart of any length as pages of `rows_per_page` entries on one score axis; the pages' titles
    say "(2/5)" and the cut is drawn on the page where it falls."""
    if not labels:
        return []
    low = min(min(lows), min(scores))
    high = max(max(highs), max(scores))
    margin = (high - low) * 0.05 or 0.5
    limits = (low - margin, high + margin)
    pages = math.ceil(len(labels) / rows_per_page)
    rows_per_page = math.ceil(len(labels) / pages)  # pages of about the same length
    charts = []
    for page in range(pages):
        start, end = page * rows_per_page, min(len(labels), (page + 1) * rows_per_page)
        cut = cut_after - start if cut_after is not None and start < cut_after <= end else None
        charts.append(interval_chart(
            title=title if pages == 1 else f"{title} ({page + 1}/{pages})", labels=labels[start:end],
            scores=scores[start:end], lows=lows[start:end], highs=highs[start:end], cut_after=cut,
            value_label=value_label, limits=limits))
    return charts


def line_chart(*, title: str, x_labels: Sequence[str], series: dict[str, Sequence[float | None]],
               targets: dict[str, float] | None = None, value_label: str = "") -> Chart:
    """Values over time (KPIs), one line per series, with dotted target lines."""
    number = number_text()
    figure = _figure(7, 3.2)
    axes = figure.add_subplot()
    xs = list(range(len(x_labels)))
    for i, (name, values) in enumerate(series.items()):
        points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name,
                      color=PALETTE[i % len(PALETTE)])
        if targets and name in targets:
            axes.axhline(targets[name], color=PALETTE[i % len(PALETTE)], linestyle=":", linewidth=1)
    axes.set_xticks(xs, [_wrapped(x, max(8, 70 // max(1, len(x_labels)))) for x in x_labels], fontsize=8)
    axes.set_ylabel(value_label)
    if series:
        axes.legend(frameon=False, fontsize=8)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes, number, value_axis="y")
    return Chart(figure=figure, title=title)


def scatter_chart(*, title: str, xs: Sequence[float], ys: Sequence[float], x_label: str = "", y_label: str = "",
                  y_percent: bool = False) -> Chart:
    """One point per entry (a score against a later outcome), with the same-numbered axes as the tables beside it."""
    number = number_text()
    figure = _figure(4.8, 3.4)
    axes = figure.add_subplot()
    axes.scatter(list(xs), [y * 100 if y_percent else y for y in ys], s=36, color=PALETTE[0], alpha=0.8,
                 edgecolors="white", linewidths=0.6)
    axes.set_xlabel(x_label, fontsize=9)
    axes.set_ylabel(y_label, fontsize=9)
    axes.tick_params(labelsize=9)
    axes.grid(True, color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.set_title(title, loc="left", fontsize=11)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: number(value)))
    axes.yaxis.set_major_formatter(FuncFormatter(
        lambda value, _position: format_percent(value / 100) if y_percent else number(value)))
    return Chart(figure=figure, title=title)
