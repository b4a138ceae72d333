"""The leaderboard page's charts (intervals, jurors' leniency and spread), as SVG, drawn once per content.

Drawing three charts with matplotlib costs more than the rest of the page; what they show changes only when the
round's reviews do, so each is drawn once for what it shows (core.results.computed.chart_svg).
"""

from __future__ import annotations

from typing import Any

from core.platform.i18n import gettext as _
from core.results import computed
from core.results.leaderboard import Leaderboard

MAX_CHART_ROWS = 60


def _specs(board: Leaderboard) -> dict[str, tuple[str, dict[str, Any]]]:
    """What each chart of the view draws: the chart function's name and its arguments."""
    specs: dict[str, tuple[str, dict[str, Any]]] = {}
    shown = [r for r in board.rows if r.score is not None and r.low is not None][:MAX_CHART_ROWS]
    if shown and board.group == "all":
        specs["intervals"] = ("interval_chart", {
            "title": _("Calibrated scores with their intervals"), "labels": [r.label for r in shown],
            "scores": [r.score for r in shown], "lows": [r.low for r in shown], "highs": [r.high for r in shown],
            "cut_after": board.top, "value_label": _("Score")})
    if board.jurors:
        names = [j.name for j in board.jurors]
        specs["leniency"] = ("bar_chart", {
            "title": _("Leniency per juror"), "categories": names, "horizontal": True,
            "series": {_("Leniency"): [round(j.leniency, 2) for j in board.jurors]},
            "value_label": _("Points above the other jurors of the same entries")})
        specs["spread"] = ("bar_chart", {
            "title": _("Spread per juror"), "categories": names, "horizontal": True,
            "series": {_("Spread"): [round(j.spread, 2) if j.spread is not None else 0.0 for j in board.jurors]},
            "value_label": _("Spread compared with the other jurors (1 = the same)")})
    return specs


async def board_charts(board: Leaderboard) -> dict[str, str]:
    """The view's charts as SVG text, by name."""
    view = f"round={board.round.id}&method={board.method}&group={board.group}&top={board.top or ''}"
    return {name: await computed.chart_svg(edition_id=board.round.edition_id, name=f"{name}&{view}",
                                           function=function, arguments=arguments)
            for name, (function, arguments) in _specs(board).items()}
