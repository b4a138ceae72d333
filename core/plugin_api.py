"""What a plugin sees: plain dataclasses in and out, never rows or requests.

A plugin imports from here and from `core.hookspecs` (for `hookimpl`); nothing else of core
is promised to stay stable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from scoring.rubric import Anchor, Criterion, Rubric

__all__ = [
    "Anchor",
    "ApplicationSnapshot",
    "ChartSpec",
    "ConflictEntry",
    "ConflictJuror",
    "Criterion",
    "DetectedConflict",
    "LifecycleEvent",
    "ReportDefinition",
    "ReportOutput",
    "ResultRow",
    "ReviewData",
    "RoundData",
    "RoundInfo",
    "RoundResults",
    "Rubric",
    "WorkflowDefinition",
]

REPORT_AUDIENCES = ("organiser", "sponsor", "public")
REPORT_FORMATS = ("html", "pdf", "csv", "xlsx")
CHART_KINDS = ("funnel", "bar", "interval", "line")


@dataclass(frozen=True)
class RoundInfo:
    """The facts about a round a workflow needs to decide what its jurors do."""

    edition: str
    code: str
    kind: str
    workflow: str
    rubric_name: str
    jurors_per_entry: int
    blind: bool
    normalisation: str


JUROR_TASKS = ("rubric", "checklist", "pairwise", "ranking")


@dataclass(frozen=True)
class ReviewData:
    """One juror's review of one entry, as a workflow computes with it."""

    entry: int
    juror: int
    status: str
    total: float | None
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class RoundData:
    """A round's judging as plain data: what a workflow's `compute` receives."""

    round_code: str
    kind: str
    rubric: Rubric | None
    settings: Mapping[str, Any]
    entries: tuple[int, ...]
    groups: Mapping[int, str]
    reviews: tuple[ReviewData, ...] = ()
    comparisons: tuple[tuple[int, int, int], ...] = ()
    rankings: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    # One mapping per checklist review: entry, juror, status, outcome, items {code: {passed, reason}}.
    checklists: tuple[Mapping[str, Any], ...] = ()
    # The panel chair's consensus score per entry, where one was set.
    consensus: Mapping[int, float] = field(default_factory=dict)
    seed: int = 0
    # Called as progress(done, total) by long computations (the bootstrap), so a job can show how far it got.
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ResultRow:
    """An entry's standing in a round: its place, score, the uncertainty around them, and flags.

    A workflow that decides rather than ranks (a checklist) leaves rank and score empty and says
    `outcome` (admissible, not_admissible, disputed, pending) with the `reasons` behind it.
    """

    entry: int
    group: str
    rank: int | None
    score: float | None
    n: int
    low: float | None = None
    high: float | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    p_top: float | None = None
    flags: tuple[str, ...] = ()
    outcome: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundResults:
    """A round's results, best first within each group, with the method that produced them."""

    method: str
    rows: tuple[ResultRow, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowDefinition:
    """A way a round is judged: what its jurors do (`juror_task`) and how results come out (`compute`).

    Core asks a workflow what it does, never its name: `has_consensus_step` gives the round a panel
    chair who discusses disagreements and may set consensus scores.
    """

    name: str
    label: dict[str, str]
    round_kinds: tuple[str, ...]
    description: dict[str, str] = field(default_factory=dict)
    juror_task: str = "rubric"
    compute: Callable[[RoundData], RoundResults] | None = None
    has_consensus_step: bool = False

    @property
    def computes_results(self) -> bool:
        """The round has results (a leaderboard, outcomes) to compute from its reviews."""
        return self.compute is not None

    @property
    def scores_with_rubric(self) -> bool:
        """Jurors score a rubric's criteria, so the round needs a rubric."""
        return self.juror_task == "rubric"


@dataclass(frozen=True)
class ChartSpec:
    """A chart as data; Giuria draws it (SVG on the page, PNG in the PDF).

    `kind` and `data` go together: funnel {stages, counts}; bar {categories, series: {name: values}};
    interval {labels, scores, lows, highs, cut_after}; line {x_labels, series: {name: values}, targets}.
    Names and labels in `data` are shown as given (already in the snapshot's language).
    """

    kind: str
    title: dict[str, str]
    data: Mapping[str, Any]


@dataclass(frozen=True)
class ReportOutput:
    """A built report: a title, tables of rows, figures keyed by name, charts and notes.

    Each table is a list of rows with the same keys; `labels` names tables and columns by key
    (translated mappings); a None cell is shown as hidden (small-cell suppression).
    """

    title: dict[str, str]
    tables: Mapping[str, list[dict[str, Any]]]
    figures: Mapping[str, float] = field(default_factory=dict)
    charts: tuple[ChartSpec, ...] = ()
    labels: Mapping[str, dict[str, str]] = field(default_factory=dict)
    notes: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class ReportDefinition:
    """A report a plugin can build from a plain data snapshot of an edition."""

    name: str
    label: dict[str, str]
    audience: str
    formats: tuple[str, ...]
    build: Callable[[Mapping[str, Any]], ReportOutput]
    description: dict[str, str] = field(default_factory=dict)
    # Parts of the snapshot beyond the basics that this report reads (only "fairness" so far): built only when asked.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class LifecycleEvent:
    """Something that happened in an edition: an application submitted, a round opened, a winner named."""

    name: str
    edition: str
    at: datetime
    subject_type: str = ""
    subject_id: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplicationSnapshot:
    """An application as eligibility rules see it, at the moment of submission."""

    edition: str
    track: str
    legal_form: str
    founded_on: date | None
    to_be_incorporated: bool
    region: str
    answers: Mapping[str, Any]
    team: tuple[Mapping[str, Any], ...]
    deadline: datetime | None


@dataclass(frozen=True)
class ConflictEntry:
    """An entry as conflict rules see it: who applies, and whose prize and mentor it has."""

    id: int
    organisation: str = ""
    email_domain: str = ""
    prize_sponsors: tuple[str, ...] = ()
    mentors: tuple[int, ...] = ()


@dataclass(frozen=True)
class ConflictJuror:
    """A juror as conflict rules see them; `sponsor_organisation` is set when they work for a prize's sponsor."""

    id: int
    organisation: str = ""
    email_domain: str = ""
    sponsor_organisation: str = ""


@dataclass(frozen=True)
class DetectedConflict:
    """A juror who must not review an entry, and the rule that says so."""

    entry: int
    juror: int
    rule: str
    detail: str = ""
