"""A round's leaderboard for its organisers: calibrated scores with intervals, flags, juror diagnostics, reliability.

Figures come from the round's workflow (`compute`, through scoring/), never recomputed here; this module
adds who is who, what changes under another calibration method, and the juror checks of
scoring.diagnostics and scoring.reliability. The bootstrap of a large round (settings.large_round_reviews)
runs as a background job; until it is done the page shows the ranking without intervals.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import anyio

from core.judging.rounds import scoring_closed
from core.messaging import jobs
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Round
from core.plugin_api import ResultRow, RoundData, RoundResults
from core.plugins import active_registry
from core.results import computed
from core.results.rounds import EntryInfo, NoResults, RoundNotFound, _round_for_organiser, gather_round
from scoring.diagnostics import disagreeing_reviews, juror_profiles
from scoring.normalise import DEFAULT_METHOD, METHODS
from scoring.reliability import icc_oneway, krippendorff_alpha

__all__ = ["GROUPINGS", "METHODS", "Leaderboard", "NoResults", "RoundNotFound"]



def N_(message: str) -> str:
    """Mark a message for translation where it is shown, not where it is defined."""
    return message


GROUPINGS = ("all", "track", "area")
METHOD_LABELS = {
    "none": N_("Plain mean"), "zscore": N_("Standardised per juror"), "percentile": N_("Percentiles per juror"),
    "additive": N_("Model of juror leniency"), "offset_scale": N_("Model of juror leniency and scale"),
}
METHOD_EXPLANATIONS = {
    "none": N_("Each entry's score is the plain mean of its review totals, with no correction for how lenient or "
               "severe its jurors were."),
    "zscore": N_("Each juror's totals were standardised by that juror's own mean and spread, averaged per entry and "
                 "put back on the rubric's scale, so that lenient and severe jurors weigh the same."),
    "percentile": N_("Each total was replaced by its percentile among the same juror's totals and mapped back to the "
                     "rubric's scale through the distribution of all totals."),
    "additive": N_("Scores come from a model in which every review total is the entry's quality plus the juror's "
                   "leniency plus noise; fitted over all reviews at once, with jurors of few reviews corrected "
                   "cautiously, it removes each juror's leniency from the entries they reviewed."),
    "offset_scale": N_("Scores come from a model in which every juror has a leniency and a way of using the scale "
                       "(narrow or wide); both are estimated from all reviews at once, cautiously for jurors with "
                       "few reviews, and removed from the entries' scores."),
}
UNCERTAIN_BAND = (0.1, 0.9)
REPLICATES = 1000
JOB_KIND = "leaderboard"


@dataclass(frozen=True)
class RoundHead:
    """The facts about a round its result pages show."""

    id: int
    code: str
    name: dict[str, str]
    kind: str
    edition_id: int
    edition_slug: str
    configured_method: str
    jurors_per_entry: int
    blind: bool
    advancement: dict[str, Any]
    scoring_closed: bool = False


@dataclass(frozen=True)
class BoardRow:
    """One entry's line: identity (organisers may see it even in a blind round), figures and flags."""

    entry: int
    title: str
    entity_name: str
    track_code: str
    track: dict[str, str]
    area_code: str
    area: dict[str, str]
    group: str
    rank: int | None
    score: float | None
    low: float | None
    high: float | None
    rank_low: int | None
    rank_high: int | None
    p_top: float | None
    n: int
    flags: tuple[str, ...]
    missing: int = 0
    disagreement: bool = False
    moved: int | None = None

    @property
    def uncertain(self) -> bool:
        """Its side of the cut is not settled: P(top N) inside the band, or its rank interval crosses the cut."""
        low, high = UNCERTAIN_BAND
        return "contested" in self.flags or (self.p_top is not None and low < self.p_top < high)

    @property
    def label(self) -> str:
        return self.entity_name or self.title or f"#{self.entry}"


@dataclass(frozen=True)
class JurorRow:
    juror: int
    name: str
    reviews: int
    leniency: float
    leniency_se: float | None
    spread: float | None
    agreement: float | None
    clear: bool


@dataclass(frozen=True)
class Reliability:
    """Agreement among the round's jurors: ICC of one review and of the mean of k, and Krippendorff's alpha."""

    icc1: float | None
    icck: float | None
    k: float | None
    icck_low: float | None
    icck_high: float | None
    alpha: float | None
    entries: int
    reviews: int


@dataclass(frozen=True)
class Disagreement:
    entry: int
    label: str
    juror: str
    score: float
    others_mean: float
    gap: float


@dataclass(frozen=True)
class Leaderboard:
    round: RoundHead
    method: str
    group: str
    top: int | None
    rows: tuple[BoardRow, ...]
    groups: tuple[tuple[str, str], ...]
    jurors: tuple[JurorRow, ...]
    reliability: Reliability | None
    disagreements: tuple[Disagreement, ...]
    submitted_reviews: int
    intervals: bool
    large: bool
    job: jobs.JobView | None = None
    notes: tuple[str, ...] = ()
    combined: Any = None  # the round's combined ranking (core.results.combined.CombinedRanking) if it declares one

    @property
    def method_changed(self) -> bool:
        return self.method != self.round.configured_method

    @property
    def moved_count(self) -> int:
        return sum(1 for r in self.rows if r.moved)

    @property
    def sections(self) -> list[tuple[str, str, list[BoardRow]]]:
        """(group code, label, rows) in the edition's order of tracks or areas; one section when not grouped."""
        labels = dict(self.groups)
        sections: list[tuple[str, str, list[BoardRow]]] = []
        for row in self.rows:
            if not sections or sections[-1][0] != row.group:
                sections.append((row.group, labels.get(row.group, row.group), []))
            sections[-1][2].append(row)
        return sections


# -- Computing ----------------------------------------------------------------------------------


def round_head(row: dict[str, Any]) -> RoundHead:
    configured = (row["settings"] or {}).get("normalisation") or row["normalisation"] or DEFAULT_METHOD
    return RoundHead(
        id=row["id"], code=row["code"], name=row["name"] or {}, kind=row["kind"],
        edition_id=row["edition"], edition_slug=row["edition.slug"],
        configured_method=configured if configured in METHODS else DEFAULT_METHOD,
        jurors_per_entry=row.get("jurors_per_entry") or 0, blind=bool(row.get("blind")),
        advancement=row["advancement"] or {}, scoring_closed=scoring_closed(row),
    )


async def _round(actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    row = await _round_for_organiser(actor, edition_slug, round_code)
    return await _full_round(row["id"])


async def _full_round(round_id: int) -> dict[str, Any]:
    row = await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.rubric, Round.rubric_name,
        Round.normalisation, Round.settings, Round.advancement, Round.jurors_per_entry, Round.blind, Round.edition,
        Round.edition.slug, Round.edition.enabled_plugins, Round.status,
    ).output(load_json=True).where(Round.id == round_id).first()
    if row is None:
        raise RoundNotFound(round_id)
    return row


def _workflow(round_row: dict[str, Any]):
    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        raise NoResults(round_row["code"])
    return workflow


def default_top(advancement: dict[str, Any], group: str) -> int | None:
    """The cut P(top N) is computed for: the rule's top N overall, its per-track minimum within tracks."""
    if group == "all":
        value = advancement.get("top_n")
    elif group == "track":
        value = advancement.get("min_per_track")
    else:
        value = advancement.get("min_per_area")
    return value if isinstance(value, int) and value > 0 else None


def replicates_of(data: RoundData) -> int:
    """The round's bootstrap replicates: its `replicates` setting, else REPLICATES."""
    value = data.settings.get("replicates")
    return int(value) if isinstance(value, int) and value > 0 else REPLICATES


def prepared(data: RoundData, entries: dict[int, EntryInfo], *, method: str, group: str, top: int | None,
             replicates: int | None = None) -> RoundData:
    """The round's data set up for one view: a method, a grouping, a cut and a number of replicates."""
    settings = dict(data.settings)
    settings.update(normalisation=method, by_group=group != "all",
                    replicates=replicates_of(data) if replicates is None else replicates)
    settings.pop("top_n", None)
    if top:
        settings["top_n"] = top
    if group == "track":
        groups = {e: entries[e].track_code for e in data.entries}
    elif group == "area":
        groups = {e: entries[e].area_code for e in data.entries}
    else:
        groups = dict(data.groups)
    return replace(data, settings=settings, groups=groups)


def fingerprint(data: RoundData) -> str:
    """Changes whenever anything the computation reads changes: a job's result is reused only for the same data."""
    payload = {
        "settings": {k: v for k, v in sorted(data.settings.items())},
        "entries": list(data.entries),
        "groups": sorted(data.groups.items()),
        "reviews": sorted((r.entry, r.juror, r.status, r.total, sorted(r.values.items())) for r in data.reviews),
        "seed": data.seed,
    }
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


def results_to_json(results: RoundResults) -> dict[str, Any]:
    return {"method": results.method, "rows": [asdict(row) for row in results.rows], "notes": list(results.notes)}


def results_from_json(value: dict[str, Any]) -> RoundResults:
    return RoundResults(
        method=value["method"], notes=tuple(value.get("notes", ())),
        rows=tuple(ResultRow(**{**row, "flags": tuple(row.get("flags", ())), "reasons": tuple(row.get("reasons", ()))})
                   for row in value["rows"]))


def submitted(data: RoundData) -> list[tuple[int, int, float]]:
    return [(r.entry, r.juror, r.total) for r in data.reviews if r.status == "submitted" and r.total is not None]


@dataclass(frozen=True)
class Standing:
    """Results of one view of a round, and whether they carry intervals (or wait for a job)."""

    results: RoundResults
    entries: dict[int, EntryInfo]
    data: RoundData
    intervals: bool
    large: bool
    job: jobs.JobView | None


def job_params(round_code: str, *, method: str, group: str, top: int | None) -> dict[str, Any]:
    return {"round": round_code, "method": method, "group": group, "top": top}


def view_key(round_id: int, workflow_name: str, *, method: str, group: str, top: int | None) -> str:
    return f"round={round_id}&workflow={workflow_name}&method={method}&group={group}&top={top or ''}"


async def _computed_here(round_row: dict[str, Any], workflow, view: RoundData, *, method: str, group: str,
                         top: int | None) -> RoundResults:
    """A small round's results with their bootstrap, computed in this request unless a worker already did on
    the same data (the bootstrap is most of a results page's time: seconds of CPU on a round of a few hundred
    reviews, for every organiser opening it)."""
    key = view_key(round_row["id"], workflow.name, method=method, group=group, top=top)
    stamp = fingerprint(view)
    kept = await computed.saved(kind=JOB_KIND, edition_id=round_row["edition"], view=key, fingerprint=stamp)
    if kept is not None:
        return results_from_json(kept)
    results = await anyio.to_thread.run_sync(workflow.compute, view)
    await computed.keep(kind=JOB_KIND, edition_id=round_row["edition"], view=key, fingerprint=stamp,
                        result=results_to_json(results))
    return results


async def standing(round_row: dict[str, Any], *, settings: Settings, method: str, group: str,
                   top: int | None, progress: jobs.Progress | None = None) -> Standing:
    """The workflow's results for this view; for a large round, the bootstrap job's if it is done on this data.

    With `progress` (the caller is itself a background job) a large round's bootstrap is computed here.
    """
    workflow = _workflow(round_row)
    data, entries = await gather_round(round_row)
    large = len(submitted(data)) >= settings.large_round_reviews
    view = prepared(data, entries, method=method, group=group, top=top)
    if progress is not None:
        results = await anyio.to_thread.run_sync(workflow.compute, replace(view, progress=progress))
        return Standing(results, entries, view, intervals=True, large=large, job=None)
    if not large:
        results = await _computed_here(round_row, workflow, view, method=method, group=group, top=top)
        return Standing(results, entries, view, intervals=True, large=False, job=None)
    job = await jobs.latest_job(kind=JOB_KIND, edition_id=round_row["edition"],
                                params=job_params(round_row["code"], method=method, group=group, top=top))
    if job is not None and job.done and job.result.get("fingerprint") == fingerprint(view):
        return Standing(results_from_json(job.result["results"]), entries, view, intervals=True, large=True, job=None)
    point = prepared(data, entries, method=method, group=group, top=top, replicates=0)
    results = await anyio.to_thread.run_sync(workflow.compute, point)
    return Standing(results, entries, view, intervals=False, large=True,
                    job=job if job is not None and (job.active or job.failed) else None)


def _diagnostics(reviews: list[tuple[int, int, float]]):
    profiles = juror_profiles(reviews)
    disagreements = disagreeing_reviews(reviews)
    try:
        icc = icc_oneway(reviews)
    except ValueError:
        icc = None
    alpha = krippendorff_alpha(reviews) if reviews else None
    return profiles, disagreements, icc, alpha


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


async def request_bootstrap(*, actor: SessionUser, edition_slug: str, round_code: str, method: str | None = None,
                            group: str = "all", top: int | None = None) -> jobs.JobView:
    """Queue the bootstrap of a large round for one view (or join the one already queued)."""
    round_row = await _round(actor, edition_slug, round_code)
    head = round_head(round_row)
    _workflow(round_row)
    method = method if method in METHODS else head.configured_method
    group = group if group in GROUPINGS else "all"
    top = top if top and top > 0 else default_top(head.advancement, group)
    return await jobs.enqueue_job(kind=JOB_KIND, edition_id=head.edition_id, created_by=actor.id,
                                  params=job_params(round_code, method=method, group=group, top=top))


@jobs.handles(JOB_KIND)
async def _bootstrap_job(context: jobs.JobContext) -> jobs.JobOutcome:
    params = context.params
    row = await Round.select(Round.id).where(Round.edition == context.edition_id,
                                             Round.code == params["round"]).first()
    if row is None:
        raise RoundNotFound(params["round"])
    round_row = await _full_round(row["id"])
    workflow = _workflow(round_row)
    data, entries = await gather_round(round_row)
    view = prepared(data, entries, method=params["method"], group=params["group"], top=params.get("top"))
    results = await anyio.to_thread.run_sync(workflow.compute, replace(view, progress=context.progress))
    return jobs.JobOutcome(result={"fingerprint": fingerprint(view), "results": results_to_json(results)})
