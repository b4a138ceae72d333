"""Charts people want to look at, drawn by matplotlib without pyplot (no global state between requests).

Each function returns a Chart that renders as SVG (web pages) or PNG (PDF reports). Labels arrive
already translated; numbers are drawn as given.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b8405e", "#7a5195", "#8c8c8c")


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


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def bar_chart(*, title: str, categories: Sequence[str], series: dict[str, Sequence[float]],
              horizontal: bool = False, value_label: str = "") -> Chart:
    """Grouped bars: one group per category, one bar per series (e.g. applications and finalists per track)."""
    height = max(2.5, 0.45 * len(categories) + 1) if horizontal else 3.2
    figure = _figure(7, height)
    axes = figure.add_subplot()
    n = max(1, len(series))
    width = 0.8 / n
    positions = range(len(categories))
    for i, (name, values) in enumerate(series.items()):
        offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
        if horizontal:
            bars = axes.barh(offsets, values, height=width, label=name, color=PALETTE[i % len(PALETTE)])
        else:
            bars = axes.bar(offsets, values, width=width, label=name, color=PALETTE[i % len(PALETTE)])
        axes.bar_label(bars, fmt="%g", fontsize=8, padding=2)
    if horizontal:
        axes.set_yticks(list(positions), list(categories))
        axes.invert_yaxis()
        axes.set_xlabel(value_label)
    else:
        axes.set_xticks(list(positions), list(categories), rotation=20 if len(categories) > 4 else 0, ha="right"
                        if len(categories) > 4 else "center")
        axes.set_ylabel(value_label)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=8)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes)
    return Chart(figure=figure, title=title)


def funnel_chart(*, title: str, stages: Sequence[str], counts: Sequence[int]) -> Chart:
    """Stages of the call (applications, admissible, finalists, winners) as centred, narrowing bars."""
    figure = _figure(7, max(2.2, 0.6 * len(stages) + 0.8))
    axes = figure.add_subplot()
    top = max(counts) if counts and max(counts) > 0 else 1
    for i, (stage, count) in enumerate(zip(stages, counts, strict=True)):
        axes.barh(i, count, left=(top - count) / 2, color=PALETTE[i % len(PALETTE)], height=0.7)
        axes.text(top / 2, i, f"{stage}: {count}", ha="center", va="center", fontsize=9, color="black",
                  bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5})
    axes.set_ylim(len(stages) - 0.5, -0.5)
    axes.set_axis_off()
    axes.set_title(title, loc="left", fontsize=11)
    return Chart(figure=figure, title=title)


def interval_chart(*, title: str, labels: Sequence[str], scores: Sequence[float], lows: Sequence[float],
                   highs: Sequence[float], cut_after: int | None = None, value_label: str = "") -> Chart:
    """Scores with their intervals, best first; a dashed line after the `cut_after`-th entry marks the cut."""
    figure = _figure(7, max(2.5, 0.32 * len(labels) + 1))
    axes = figure.add_subplot()
    ys = list(range(len(labels)))
    errors = [[max(0.0, s - lo) for s, lo in zip(scores, lows, strict=True)],
              [max(0.0, hi - s) for s, hi in zip(scores, highs, strict=True)]]
    axes.errorbar(scores, ys, xerr=errors, fmt="o", color=PALETTE[0], ecolor="#7fa7c4", capsize=2, markersize=4)
    axes.set_yticks(ys, list(labels), fontsize=8)
    axes.invert_yaxis()
    if cut_after is not None and 0 < cut_after < len(labels):
        axes.axhline(cut_after - 0.5, color=PALETTE[3], linestyle="--", linewidth=1)
    axes.set_xlabel(value_label)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes)
    return Chart(figure=figure, title=title)


def line_chart(*, title: str, x_labels: Sequence[str], series: dict[str, Sequence[float | None]],
               targets: dict[str, float] | None = None, value_label: str = "") -> Chart:
    """Values over time (KPIs), one line per series, with dotted target lines."""
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
    axes.set_xticks(xs, list(x_labels), fontsize=8)
    axes.set_ylabel(value_label)
    if series:
        axes.legend(frameon=False, fontsize=8)
    axes.set_title(title, loc="left", fontsize=11)
    _tidy(axes)
    return Chart(figure=figure, title=title)
