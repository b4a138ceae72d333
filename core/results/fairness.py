"""The fairness audit: who advanced and who won, by group, against everyone, with the uncertainty of small numbers.

For every round with decisions, and for the edition as a whole, each group's rate (with a Wilson interval)
is set against the overall rate of the same table: the ratio, its Katz interval, and the four-fifths flag
(scoring.fairness). Groups are the entry's track, area and legal form, its team's gender and age group
(core.applications.demographics) and whether the applicant is new to the programme. For a scored round the
same rates are recomputed as if the same number had advanced by raw means and by the calibrated ranking, so
the organiser sees what calibration changed. Counts go through the sponsor reports' small-cell suppression
(scoring.disclosure): a hidden count hides every figure that would give it away.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import anyio

from core.applications import lifecycle
from core.applications.demographics import AGE_BANDS, TEAM_GENDERS, gender_code, team_age_band, team_gender
from core.editions.access import EditionNotFound, edition_for_organiser
from core.platform import i18n
from core.platform.i18n import gettext as _
from core.platform.i18n import pgettext, pick
from core.platform.identity import SessionUser
from core.platform.tables import Application, Award, Decision, Edition, Round, TeamMember
from core.plugins import active_registry
from core.results.awards import NOT_GIVEN_STATUSES
from core.results.rounds import gather_round
from scoring.disclosure import suppress_column
from scoring.fairness import FIRM, POSSIBLE, four_fifths_flag, rate_ratio, top_k, wilson

log = logging.getLogger("giuria.fairness")

__all__ = ["EditionNotFound", "FairnessAudit", "edition_fairness", "fairness_audit"]

DIMENSIONS = ("track", "area", "legal_form", "team_gender", "team_age", "returning")
# Outcomes that take an entry on from a round (or admit it, in an admissibility round).
SUCCESS = (lifecycle.ADMISSIBLE, lifecycle.ADVANCED, lifecycle.FINALIST, lifecycle.WINNER)
UNKNOWN = ""
HIDDEN = "—"  # a suppressed figure, as in the sponsors' reports


def N_(message: str) -> str:
    return message


DIMENSION_NAMES = {"track": N_("Track"), "area": N_("Area"), "legal_form": N_("Legal form"),
                   "team_gender": N_("Team gender"), "team_age": N_("Team age band"),
                   "returning": N_("First-time or returning")}
MEASURE_NAMES = {"decided": N_("Advanced"), "raw": N_("By raw means"), "calibrated": N_("By calibrated ranking"),
                 "finalist": N_("Reached the final"), "award": N_("Won an award")}


@dataclass(frozen=True)
class Cell:
    """One group's rate for one measure; every figure None where suppression hides it."""

    k: int | None
    rate: float | None = None
    low: float | None = None
    high: float | None = None
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    flag: str = ""


@dataclass(frozen=True)
class GroupRow:
    label: str
    n: int | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class DimensionTable:
    dimension: str
    title: str
    rows: tuple[GroupRow, ...]


@dataclass(frozen=True)
class Scope:
    """A round, or the whole edition: its measures, the overall rates and one table per dimension."""

    title: str
    measures: tuple[tuple[str, str], ...]
    overall: GroupRow
    tables: tuple[DimensionTable, ...]
    note: str = ""


@dataclass(frozen=True)
class FairnessAudit:
    edition_slug: str
    scopes: tuple[Scope, ...]

    def flagged(self) -> int:
        return sum(1 for s in self.scopes for t in s.tables for r in t.rows for c in r.cells if c.flag == FIRM)

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Entry:
    id: int
    groups: Mapping[str, str]


# -- the entries and their groups ---------------------------------------------------------------------


async def _earlier_applicants(edition: Mapping[str, Any]) -> tuple[set[int], set[str]]:
    """Accounts and tax codes that applied to an earlier edition of the programme: who is returning."""
    earlier = await Application.select(Application.applicant, Application.tax_code).where(
        Application.edition.programme == edition["programme"], Application.edition.year < edition["year"],
        Application.submitted_at.is_not_null())
    return ({r["applicant"] for r in earlier},
            {r["tax_code"].strip().upper() for r in earlier if (r["tax_code"] or "").strip()})


def _legal_form_names(form: list[dict[str, Any]], language: str) -> dict[str, str]:
    """The legal forms' labels as the edition's application form offers them."""
    for section in form:
        for question in section.get("questions", []):
            if question.get("code") == "legal_form":
                return {c["code"]: pick(c.get("label", {}), language) for c in question.get("choices", [])}
    return {}


def _fixed_group_names(language: str) -> dict[str, dict[str, str]]:
    """Names of the groups every edition has (gender, age, returning); the others are filled from the entries."""
    names: dict[str, dict[str, str]] = {d: {} for d in DIMENSIONS}
    names["team_gender"] = {code: pick(label, language) for code, label in TEAM_GENDERS.items()}
    names["team_age"] = {code: pick(label, language) for code, label in AGE_BANDS.items()}
    names["returning"] = {"first": _("First-time applicants"), "returning": _("Returning applicants")}
    return names


async def _entries(edition_id: int) -> tuple[dict[int, _Entry], dict[str, dict[str, str]]]:
    """Every submitted application with its group in each dimension, and the groups' names."""
    language = i18n.current_language()
    edition = await Edition.select(Edition.programme, Edition.year, Edition.application_form).output(
        load_json=True).where(Edition.id == edition_id).first()
    rows = await Application.select(
        Application.id, Application.applicant, Application.tax_code, Application.legal_form, Application.answers,
        Application.track.code, Application.track.name, Application.area.code, Application.area.name,
    ).output(load_json=True).where(Application.edition == edition_id, Application.submitted_at.is_not_null(),
                                   Application.status.not_in(list(lifecycle.NOT_ENTERED)))
    ids = [r["id"] for r in rows]
    team = await TeamMember.select(TeamMember.application, TeamMember.gender, TeamMember.age_band).where(
        TeamMember.application.is_in(ids)) if ids else []
    earlier_accounts, earlier_codes = await _earlier_applicants(edition)
    legal_forms = _legal_form_names(edition["application_form"] or [], language)
    names = _fixed_group_names(language)
    members: dict[int, list[tuple[str, str]]] = {}
    for m in team:
        members.setdefault(m["application"], []).append((gender_code(m["gender"]), m["age_band"]))
    entries = {}
    for r in rows:
        legal_form = r["legal_form"] or str(((r["answers"] or {}).get("values") or {}).get("legal_form") or "")
        names["track"].setdefault(r["track.code"] or "", pick(r["track.name"] or {}, language))
        names["area"].setdefault(r["area.code"] or "", pick(r["area.name"] or {}, language))
        names["legal_form"].setdefault(legal_form, legal_forms.get(legal_form) or legal_form)
        mine = members.get(r["id"], [])
        returning = r["applicant"] in earlier_accounts or (r["tax_code"] or "").strip().upper() in earlier_codes
        entries[r["id"]] = _Entry(id=r["id"], groups={
            "track": r["track.code"] or UNKNOWN, "area": r["area.code"] or UNKNOWN, "legal_form": legal_form,
            "team_gender": team_gender(g for g, _b in mine), "team_age": team_age_band(b for _g, b in mine),
            "returning": "returning" if returning else "first"})
    for dimension in DIMENSIONS:
        names[dimension][UNKNOWN] = _("Not stated")
    return entries, names


# -- the tables ----------------------------------------------------------------------------------------


def _cell(k: int | None, n: int | None, overall_k: int, overall_n: int) -> Cell:
    if k is None or n is None or n == 0:
        return Cell(k=k)
    rate, ratio = wilson(k, n), rate_ratio(k, n, overall_k, overall_n)
    return Cell(k=k, rate=rate.point, low=rate.low, high=rate.high,
                ratio=None if ratio is None else ratio.point, ratio_low=None if ratio is None else ratio.low,
                ratio_high=None if ratio is None else ratio.high, flag=four_fifths_flag(ratio))


def _measure_name(code: str) -> str:
    if code == "decided":  # the entries of a group that advanced: a plural in Italian, unlike an entry's status
        return pgettext("entries of a group", "Advanced")
    return _(MEASURE_NAMES[code])


def _scope(title: str, population: list[_Entry], measures: Mapping[str, set[int]],
           names: Mapping[str, Mapping[str, str]], note: str = "") -> Scope:
    """The overall row and one suppressed table per dimension for `population` and each measure's successes."""
    codes = list(measures)
    overall_n = len(population)
    overall_k = {m: sum(1 for e in population if e.id in measures[m]) for m in codes}
    _n_cells, shown_n = suppress_column({}, overall_n)
    overall = GroupRow(label=_("Everyone"), n=shown_n, cells=tuple(
        _cell(suppress_column({}, overall_k[m])[1] if shown_n is not None else None, shown_n,
              overall_k[m], overall_n) for m in codes))
    tables = []
    for dimension in DIMENSIONS:
        groups: dict[str, list[_Entry]] = {}
        for entry in population:
            groups.setdefault(entry.groups[dimension], []).append(entry)
        if len(groups) < 2 and UNKNOWN in groups:
            continue  # nobody stated it: nothing to compare
        bands = list(AGE_BANDS)
        order = sorted(groups, key=lambda g: (g == UNKNOWN, bands.index(g) if g in bands else 0,
                                              names[dimension].get(g, g).lower()))
        n_shown, _total = suppress_column({g: len(groups[g]) for g in order}, overall_n)
        # A group whose size is hidden hides its count too (as a small one would be), then the column is
        # suppressed as a whole, so that no hidden count can be worked out from the total.
        k_shown = {m: suppress_column({g: sum(1 for e in groups[g] if e.id in measures[m]) if n_shown[g] is not None
                                       else 1 for g in order}, overall_k[m])[0] for m in codes}
        rows = []
        for g in order:
            n = n_shown[g]
            cells = tuple(_cell(k_shown[m][g] if n is not None else None, n, overall_k[m], overall_n)
                          for m in codes)
            rows.append(GroupRow(label=names[dimension].get(g) or g or _("Not stated"), n=n, cells=cells))
        tables.append(DimensionTable(dimension=dimension, title=_(DIMENSION_NAMES[dimension]), rows=tuple(rows)))
    return Scope(title=title, measures=tuple((m, _measure_name(m)) for m in codes), overall=overall,
                 tables=tuple(tables), note=note)


async def _scores(round_row: dict[str, Any]) -> tuple[dict[int, float], dict[int, float]] | None:
    """Each entry's raw mean of submitted totals and its calibrated score; None where the round has no scores."""
    from core.results.leaderboard import prepared, round_head

    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        return None
    data, entries = await gather_round(round_row)
    totals: dict[int, list[float]] = {}
    for review in data.reviews:
        if review.status == "submitted" and review.total is not None:
            totals.setdefault(review.entry, []).append(float(review.total))
    if not totals:
        return None
    view = prepared(data, entries, method=round_head(round_row).configured_method, group="all", top=None,
                    replicates=0)
    try:
        results = await anyio.to_thread.run_sync(workflow.compute, replace(view, progress=None))
    except Exception:  # a workflow that cannot rank this round's data: the audit goes on without the comparison
        log.exception("fairness: round %s could not be calibrated", round_row["code"])
        return None
    calibrated = {r.entry: float(r.score) for r in results.rows if r.score is not None}
    raw = {e: sum(v) / len(v) for e, v in totals.items()}
    return raw, calibrated


async def _round_scopes(edition_id: int, entries: dict[int, _Entry], names: Mapping[str, Mapping[str, str]],
                        published_only: bool, round_id: int | None = None) -> list[Scope]:
    from core.results.leaderboard import _full_round

    language = i18n.current_language()
    query = Round.select(Round.id).where(Round.edition == edition_id).order_by(Round.position)
    if round_id is not None:
        query = query.where(Round.id == round_id)
    rounds = await query
    scopes = []
    for r in rounds:
        query = Decision.select(Decision.application, Decision.outcome).where(Decision.round == r["id"])
        if published_only:
            query = query.where(Decision.published_at.is_not_null())
        decisions = {d["application"]: d["outcome"] for d in await query if d["application"] in entries}
        if not decisions:
            continue
        round_row = await _full_round(r["id"])
        population = [entries[a] for a in sorted(decisions)]
        measures: dict[str, set[int]] = {"decided": {a for a, o in decisions.items() if o in SUCCESS}}
        note = ""
        scores = await _scores(round_row)
        if scores is not None:
            raw, calibrated = scores
            scored = [a for a in decisions if a in raw and a in calibrated]
            if len(scored) == len(decisions):
                k = len(measures["decided"])
                measures["raw"] = top_k({a: raw[a] for a in scored}, k)
                measures["calibrated"] = top_k({a: calibrated[a] for a in scored}, k)
                note = _("Raw means and calibrated ranking: the {k} best entries by each, as many as advanced.").format(
                    k=k)
            else:
                note = _("Some decided entries have no scores, so raw and calibrated advancement are not compared.")
        scopes.append(_scope(pick(round_row["name"] or {}, language) or round_row["code"], population, measures,
                             names, note))
    return scopes


async def _edition_scope(edition_id: int, entries: dict[int, _Entry], names: Mapping[str, Mapping[str, str]],
                         published_only: bool) -> Scope | None:
    if not entries:
        return None
    query = Decision.select(Decision.application, Decision.outcome, Decision.round.kind).where(
        Decision.round.edition == edition_id)
    if published_only:
        query = query.where(Decision.published_at.is_not_null())
    finalists, winners = set(), set()
    for d in await query:
        if d["outcome"] in lifecycle.FINALIST_OUTCOMES or (d["outcome"] == lifecycle.ADVANCED
                                                           and d["round.kind"] != "admissibility"):
            finalists.add(d["application"])
        if d["outcome"] == lifecycle.WINNER:
            winners.add(d["application"])
    awards = await Award.select(Award.application).where(Award.prize.edition == edition_id,
                                                         Award.status.not_in(list(NOT_GIVEN_STATUSES)))
    winners |= {a["application"] for a in awards}
    finalists |= winners
    return _scope(_("The whole edition"), list(entries.values()), {"finalist": finalists, "award": winners}, names)


async def edition_fairness(edition_id: int, edition_slug: str, *, published_only: bool) -> FairnessAudit:
    """The audit of an edition already checked for the caller; `published_only` for anyone but its organisers."""
    entries, names = await _entries(edition_id)
    scopes: list[Scope] = []
    whole = await _edition_scope(edition_id, entries, names, published_only)
    if whole is not None:
        scopes.append(whole)
    scopes.extend(await _round_scopes(edition_id, entries, names, published_only))
    return FairnessAudit(edition_slug=edition_slug, scopes=tuple(scopes))


async def round_fairness(edition_id: int, round_id: int) -> Scope | None:
    """One round's part of the audit (staged decisions included), for its verbale; None before any decision."""
    entries, names = await _entries(edition_id)
    scopes = await _round_scopes(edition_id, entries, names, published_only=False, round_id=round_id)
    return scopes[0] if scopes else None


def _rate_text(cell: Cell) -> str:
    if cell.rate is None:
        return HIDDEN
    return f"{i18n.format_percent(cell.rate)} ({i18n.format_percent(cell.low)}–{i18n.format_percent(cell.high)})"


def _ratio_text(cell: Cell) -> str:
    if cell.ratio is None:
        return HIDDEN
    text = (f"{i18n.format_decimal(cell.ratio)} ({i18n.format_decimal(cell.ratio_low)}–"
            f"{i18n.format_decimal(cell.ratio_high)})")
    if cell.flag == FIRM:
        return text + " · " + _("below four-fifths")
    if cell.flag == POSSIBLE:
        return text + " · " + _("possibly below four-fifths")
    return text


def text_tables(scope: Scope) -> list[tuple[str, list[str], list[list[str]]]]:
    """The scope's tables as text for paper: a title, the columns and the rows, hidden cells as —."""
    columns = [_("Group"), _("Entries")]
    for _code, label in scope.measures:
        columns += [label, _("{measure}: ratio").format(measure=label)]
    found = []
    for table in scope.tables:
        rows = [[row.label, HIDDEN if row.n is None else i18n.format_number(row.n),
                 *(text for cell in row.cells for text in (_rate_text(cell), _ratio_text(cell)))]
                for row in table.rows]
        found.append((table.title, columns, rows))
    return found


async def fairness_audit(*, actor: SessionUser, edition_slug: str) -> FairnessAudit:
    """The organiser's audit, staged decisions included (EditionNotFound for anyone who does not organise it)."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    return await edition_fairness(edition.id, edition.slug, published_only=False)
