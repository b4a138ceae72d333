"""Who reviews what in a round: engine proposals, accepted by organisers, edited by hand, refilled after recusals.

The problem is built from the database (the entries in play, the edition's jurors with their
profiles, declared and rule-detected conflicts, the assignments to keep) and solved by
`scoring.assign`. A proposal is stored with a fingerprint of the inputs it was computed from, so
any worker can accept it, and accepting it after something changed is refused rather than
writing an assignment made for a round that no longer exists.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.editions import access
from core.judging.rounds import entries_in_play
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Application,
    Assignment,
    AssignmentProposal,
    ConflictOfInterest,
    Edition,
    JurorBid,
    JurorProfile,
    MentorMatch,
    Prize,
    Review,
    RoleGrant,
    Round,
)
from core.plugin_api import ConflictEntry, ConflictJuror
from core.plugins import active_registry
from scoring.assign import AssignmentInfeasible, Bid, Conflict, Entry, Reviewer, assign

# Kept for a day: long enough to look a proposal over, short enough not to pile up.
PROPOSAL_LIFETIME = timedelta(days=1)
SOLVER_TIME_LIMIT = 30.0
# Added to a pair's affinity (track expertise adds 1.0): yes > maybe > no bid > no; a conflict bid is a conflict.
BID_WEIGHTS = {"yes": 2.0, "maybe": 1.0, "no": -1.0}
# Assignments the engine made and nobody has touched may be moved by a new proposal.
ENGINE_ORIGINS = ("engine", "solver")


# The origin of assignments an upheld appeal made (core.results.appeals).
APPEAL_ORIGIN = "appeal"


def N_(message: str) -> str:
    return message


OBSTACLE_LEADS = {
    "capacity": N_("The jurors cannot take all the places: raise the maximum load, add jurors or ask for fewer "
                   "jurors per entry."),
    "min load": N_("The jurors' minimum loads cannot all be met: lower them or add entries."),
    "eligibility": N_("Some entries have fewer jurors free of conflicts than the places to fill."),
    "expert per entry": N_("Some entries cannot get a juror expert in their track."),
    "keep": N_("The assignments already made do not fit the new limits."),
    "org cap": N_("The cap on jurors of one organisation per entry cannot be met."),
    "input": N_("The options contradict each other."),
}
OBSTACLE_FALLBACK = N_("No assignment meets every rule together.")


class RoundNotFound(NotFound):
    """No such round, or not this person's to organise."""


class AssignmentImpossible(ValueError):
    """No assignment meets the round's rules; `obstacles` say which rule and whom it concerns."""

    def __init__(self, obstacles: tuple[ObstacleView, ...]) -> None:
        super().__init__("; ".join(o.detail for o in obstacles))
        self.obstacles = obstacles


class StaleProposal(ValueError):
    """The round changed after the proposal was computed (or the proposal is gone): propose again."""


class AssignmentRefused(Refused):
    """A change by hand that would break a rule; `field` is the form field the message belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AssignmentGone(AssignmentRefused):
    """The assignment to remove is not (or no longer) in the round."""

    def __init__(self) -> None:
        super().__init__("assignment", _("This assignment no longer exists."))


@dataclass(frozen=True)
class AssignmentOptions:
    """What the organiser asks of a round's assignment; the juror's own profile loads win over the limits here."""

    per_entry: int
    min_load: int = 0
    max_load: int | None = None
    expert_per_entry: bool = False
    org_cap: int | None = None
    pair_cap: int | None = None
    replace_untouched: bool = False

    def problems(self) -> dict[str, str]:
        """Errors by option name, in the current language."""
        errors = {}
        if self.per_entry < 1:
            errors["per_entry"] = _("At least one juror per entry.")
        if self.min_load < 0:
            errors["min_load"] = _("Enter zero or more.")
        if self.max_load is not None and self.max_load < max(1, self.min_load):
            errors["max_load"] = _("The maximum load must be at least 1 and not below the minimum.")
        for name in ("org_cap", "pair_cap"):
            value = getattr(self, name)
            if value is not None and value < 1:
                errors[name] = _("Enter 1 or more, or leave it empty.")
        return errors

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, per_entry: int) -> AssignmentOptions:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        known.setdefault("per_entry", per_entry)
        return cls(**known)


@dataclass(frozen=True)
class ObstacleView:
    """One reason the round cannot be assigned: the rule, a sentence for organisers, the engine's exact words."""

    constraint: str
    message: str
    detail: str
    entries: tuple[str, ...] = ()
    jurors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposedPair:
    entry: int
    juror: int
    affinity: float
    expert: bool
    kept: bool


@dataclass(frozen=True)
class SideView:
    name: str
    met: bool
    detail: str


@dataclass(frozen=True)
class AssignmentPreview:
    """A computed assignment and how good it is: what the organiser looks at before accepting."""

    proposal_id: int | None
    options: AssignmentOptions
    pairs: tuple[ProposedPair, ...]
    objective: float
    bound: float
    gap: float
    load_min: int
    load_median: float
    load_max: int
    experts_per_entry: tuple[tuple[int, int], ...]  # (experts on the entry, entries with that many)
    conflicts_avoided: tuple[tuple[str, int], ...]  # (rule, pairs kept apart)
    sides: tuple[SideView, ...]
    released: tuple[tuple[int, int, str], ...]
    kept: int
    added: int
    removed: int
    method: str
    entries: int
    jurors: int


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    entry: int
    entry_label: str
    juror: int
    juror_name: str
    status: str
    origin: str
    affinity: float
    reviewed: bool


@dataclass(frozen=True)
class RefillNeed:
    entry: int
    entry_label: str
    assigned: int
    needed: int
    released: tuple[str, ...]


@dataclass(frozen=True)
class JurorLine:
    id: int
    name: str
    organisation: str
    tracks: tuple[str, ...]
    load: int
    min_load: int | None
    max_load: int | None


@dataclass
class RoundAssignmentPage:
    """Everything the organiser's assignment page shows for one round."""

    edition: access.OrganisedEdition
    round_code: str
    round_name: dict[str, str]
    per_entry: int
    options: AssignmentOptions
    assignments: list[AssignmentRow]
    refill: list[RefillNeed]
    entries: list[tuple[int, str]]
    jurors: list[JurorLine]
    preview: AssignmentPreview | None = None
    labels: dict[str, dict[int, str]] = field(default_factory=dict)
    # the bidding window, as the form shows it (local time of the edition), and how many bids are in
    bidding_opens: str = ""
    bidding_closes: str = ""
    bids: int = 0


# -- gathering the round --------------------------------------------------------------------------------


@dataclass
class _Inputs:
    """The round as the engine sees it, plus the rows needed to apply an answer."""

    round_id: int
    edition_id: int
    entries: list[Entry]
    reviewers: list[Reviewer]
    conflicts: list[Conflict]
    keep: list[tuple[int, int]]
    active: dict[tuple[int, int], dict[str, Any]]
    replaceable: set[tuple[int, int]]
    reviewed: set[int]
    entry_labels: dict[int, str]
    juror_names: dict[int, str]
    options: AssignmentOptions
    bids: list[Bid] = field(default_factory=list)

    def basis(self) -> str:
        """A fingerprint of everything the engine's answer depends on."""
        payload = {
            "options": asdict(self.options),
            "bids": [(b.entry, b.reviewer, b.weight) for b in self.bids],
            "entries": [(e.id, e.track) for e in self.entries],
            "reviewers": [(r.id, sorted(r.tracks), r.organisation, sorted(r.languages), r.min_load, r.max_load)
                          for r in self.reviewers],
            "conflicts": sorted((c.entry, c.reviewer, c.rule) for c in self.conflicts),
            "keep": sorted(self.keep),
            "replaceable": sorted(self.replaceable),
            "active": sorted((k[0], k[1], v["id"]) for k, v in self.active.items()),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def entry_label(row: dict[str, Any]) -> str:
    name = row.get("entity_name") or row.get("title") or ""
    return f"#{row['id']} {name}".strip()


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def _competes(target: dict[str, Any], area: str | None, track: str | None) -> bool:
    """A prize is competed for by the entries its target's area or track names; other prizes go to all winners."""
    filters = {"area": area, "track": track}
    named = {key: target[key] for key in filters if target.get(key)}
    return bool(named) and all(
        filters[key] in (value if isinstance(value, list) else [value]) for key, value in named.items())


async def _round_for(actor: SessionUser, edition_slug: str, round_code: str) -> tuple[access.OrganisedEdition,
                                                                                        dict[str, Any]]:
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise RoundNotFound(round_code) from None
    row = await Round.select(Round.id, Round.code, Round.name, Round.kind, Round.jurors_per_entry, Round.settings,
                             Round.edition, Round.bidding_opens_at,
                                     Round.bidding_closes_at).output(load_json=True).where(
        Round.edition == edition.id, Round.code == round_code).first()
    if row is None:
        raise RoundNotFound(round_code)
    return edition, row


def _default_options(round_row: dict[str, Any]) -> AssignmentOptions:
    stored = (round_row["settings"] or {}).get("assignment") or {}
    return AssignmentOptions.from_mapping(stored, per_entry=round_row["jurors_per_entry"] or 3)


@dataclass(frozen=True)
class _RoundRows:
    """What `_gather` reads from the database, before any of it is shaped for the engine."""

    applications: list[dict[str, Any]]
    grants: list[dict[str, Any]]
    profiles: dict[int, dict[str, Any]]
    prizes: list[dict[str, Any]]
    mentors: list[dict[str, Any]]
    declared: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    reviewed: set[int]
    enabled: list[str]
    bids: list[dict[str, Any]] = field(default_factory=list)


async def entries_of_round(round_id: int) -> list[int]:
    """The ids of the entries in play in a round, as the engine sees them."""
    row = await Round.select(Round.id, Round.edition, Round.kind).where(Round.id == round_id).first()
    if row is None:
        return []
    return [a["id"] for a in await Application.select(Application.id).where(
        await entries_in_play(row)).order_by(Application.id)]


async def _read_round(round_row: dict[str, Any]) -> _RoundRows:
    edition_id = round_row["edition"]
    edition = await Edition.select(Edition.enabled_plugins).output(load_json=True).where(
            Edition.id == edition_id).first()
    applications = await Application.select(
        Application.id, Application.title, Application.entity_name, Application.track.code, Application.area.code,
        Application.applicant.email,
    ).where(await entries_in_play(round_row)).order_by(Application.id)
    grants = await RoleGrant.select(
        RoleGrant.account, RoleGrant.account.email, RoleGrant.account.display_name, RoleGrant.organisation.name,
        RoleGrant.role,
    ).where(RoleGrant.edition == edition_id, RoleGrant.role.is_in(["juror", "sponsor"]),
            RoleGrant.account.is_active.eq(True)).order_by(RoleGrant.account)
    profiles = {p["juror"]: p for p in await JurorProfile.select().output(load_json=True).where(
            JurorProfile.edition == edition_id)}
    prizes = await Prize.select(Prize.target, Prize.sponsor.organisation.name).output(load_json=True).where(
            Prize.edition == edition_id)
    mentors = await MentorMatch.select(MentorMatch.application, MentorMatch.mentor).where(
        MentorMatch.edition == edition_id)
    declared = await ConflictOfInterest.select(
        ConflictOfInterest.application, ConflictOfInterest.juror, ConflictOfInterest.rule).where(
        ConflictOfInterest.application.edition == edition_id)
    rows = await Assignment.select(Assignment.id, Assignment.application, Assignment.juror, Assignment.status,
                                   Assignment.origin, Assignment.conflict_checked_at).where(
        Assignment.round == round_row["id"])
    reviewed = {r["assignment"] for r in await Review.select(Review.assignment).where(
        Review.assignment.round == round_row["id"])}
    bids = await JurorBid.select(JurorBid.application, JurorBid.juror, JurorBid.bid).where(
        JurorBid.round == round_row["id"]).order_by(JurorBid.id)
    return _RoundRows(applications=applications, grants=grants, profiles=profiles, prizes=prizes, mentors=mentors,
                      declared=declared, assignments=rows, reviewed=reviewed, bids=bids,
                      enabled=(edition["enabled_plugins"] or []) if edition else [])


def _reviewers(read: _RoundRows, options: AssignmentOptions) -> tuple[list[Reviewer], list[ConflictJuror],
                                                                       dict[int, str]]:
    """The edition's jurors with their load bounds, as the engine and the conflict rules see them, and their names."""
    sponsor_names = {(p["sponsor.organisation.name"] or "").casefold(): p["sponsor.organisation.name"]
                     for p in read.prizes if p["sponsor.organisation.name"]}
    juror_rows = [g for g in read.grants if g["role"] == "juror"]
    sponsor_of = {g["account"]: g["organisation.name"] for g in read.grants
                  if g["role"] == "sponsor" and g["organisation.name"]}
    juror_names = {g["account"]: g["account.display_name"] or g["account.email"] for g in juror_rows}
    spread = math.ceil(options.per_entry * len(read.applications) / max(1, len(juror_rows))) + 1
    reviewers, conflict_jurors = [], []
    for g in juror_rows:
        profile = read.profiles.get(g["account"]) or {}
        organisation = (profile.get("organisation") or g["organisation.name"] or "").strip()
        low = profile.get("min_load")
        low = options.min_load if low is None else low
        high = profile.get("max_load")
        high = (options.max_load if options.max_load is not None else max(spread, low)) if high is None else high
        reviewers.append(Reviewer(
            g["account"], tracks=frozenset(profile.get("tracks") or ()),
            organisation=organisation or None, languages=frozenset(profile.get("languages") or ()),
            min_load=low, max_load=high))
        conflict_jurors.append(ConflictJuror(
            id=g["account"], organisation=organisation, email_domain=_domain(g["account.email"]),
            sponsor_organisation=sponsor_of.get(g["account"]) or sponsor_names.get(organisation.casefold(), "")))
    return reviewers, conflict_jurors, juror_names


def _entries(read: _RoundRows) -> tuple[list[Entry], list[ConflictEntry]]:
    """The round's entries, as the engine and the conflict rules see them (prize sponsors, mentors)."""
    mentors_of: dict[int, list[int]] = {}
    for m in read.mentors:
        mentors_of.setdefault(m["application"], []).append(m["mentor"])
    entries, conflict_entries = [], []
    for a in read.applications:
        entries.append(Entry(a["id"], track=a["track.code"] or None))
        conflict_entries.append(ConflictEntry(
            id=a["id"], organisation=a["entity_name"] or "", email_domain=_domain(a["applicant.email"] or ""),
            prize_sponsors=tuple(p["sponsor.organisation.name"] for p in read.prizes
                                 if p["sponsor.organisation.name"]
                                 and _competes(p["target"] or {}, a["area.code"], a["track.code"])),
            mentors=tuple(mentors_of.get(a["id"], ()))))
    return entries, conflict_entries


def _conflicts(read: _RoundRows, entries: list[ConflictEntry], jurors: list[ConflictJuror]) -> list[Conflict]:
    """Declared conflicts, pairs released for a conflict found later, and what the conflict rules detect."""
    found: dict[tuple[int, int, str], None] = {}
    for c in read.declared:
        found[(c["application"], c["juror"], c["rule"] or "declared")] = None
    declared_pairs = {(c["application"], c["juror"]) for c in read.declared}
    for r in read.assignments:  # a juror taken off an entry because of a conflict found later never comes back to it
        if r["status"] == "recused" and (r["application"], r["juror"]) not in declared_pairs:
            found[(r["application"], r["juror"], "released")] = None
    for c in active_registry().detect_conflicts(entries=entries, jurors=jurors, enabled=read.enabled):
        found[(c.entry, c.juror, c.rule)] = None
    return [Conflict(entry, juror, rule) for entry, juror, rule in found]


async def _gather(round_row: dict[str, Any], options: AssignmentOptions, *,
                  only: tuple[int, int] | None = None) -> _Inputs:
    """Read the round from the database; `only` = (entry, juror) narrows the conflict rules to one pair."""
    read = await _read_round(round_row)
    reviewers, conflict_jurors, juror_names = _reviewers(read, options)
    entries, conflict_entries = _entries(read)
    # An entry an upheld appeal sent back for review has a panel of its own (core.results.appeals): the engine
    # neither counts nor touches its assignments.
    appealed = {r["application"] for r in read.assignments if r["origin"] == APPEAL_ORIGIN}
    if appealed:
        entries = [e for e in entries if e.id not in appealed]
        conflict_entries = [e for e in conflict_entries if e.id not in appealed]
    if only is not None:
        conflict_entries = [e for e in conflict_entries if e.id == only[0]]
        conflict_jurors = [j for j in conflict_jurors if j.id == only[1]]
    entry_ids, juror_ids = {e.id for e in entries}, set(juror_names)
    conflicts = [c for c in _conflicts(read, conflict_entries, conflict_jurors)
                 if c.entry in entry_ids and c.reviewer in juror_ids]
    active, replaceable = _active_pairs(read, options, appealed)
    return _Inputs(
        round_id=round_row["id"], edition_id=round_row["edition"], entries=entries, reviewers=reviewers,
        conflicts=conflicts, keep=sorted(pair for pair in active if pair not in replaceable), active=active,
        replaceable=replaceable, reviewed=read.reviewed,
        entry_labels={a["id"]: entry_label(a) for a in read.applications}, juror_names=juror_names, options=options,
        bids=_bids(read, entry_ids, juror_ids))


def _active_pairs(read: _RoundRows, options: AssignmentOptions, appealed: set[int]
                  ) -> tuple[dict[tuple[int, int], dict[str, Any]], set[tuple[int, int]]]:
    """The round's standing assignments by (entry, juror), and those the engine may replace: made by it, untouched
    (no conflict check, no review) and the organiser asked for untouched ones to be replaced."""
    active = {(r["application"], r["juror"]): {**r, "reviewed": r["id"] in read.reviewed}
              for r in read.assignments if r["status"] != "recused" and r["application"] not in appealed}
    replaceable = {
        pair for pair, r in active.items()
        if options.replace_untouched and r["origin"] in ENGINE_ORIGINS and r["status"] == "assigned"
        and r["conflict_checked_at"] is None and not r["reviewed"]}
    return active, replaceable


def _bids(read: _RoundRows, entry_ids: set[int], juror_ids: set[int]) -> list[Bid]:
    """The jurors' bids that weigh in the solve: on entries and by jurors the engine assigns."""
    return [Bid(b["application"], b["juror"], BID_WEIGHTS[b["bid"]]) for b in read.bids
            if b["bid"] in BID_WEIGHTS and b["application"] in entry_ids and b["juror"] in juror_ids]


# -- solving --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    basis: str
    pairs: list[ProposedPair]
    summary: dict[str, Any]


def _obstacle_view(inputs: _Inputs, constraint: str, detail: str, entries=(), jurors=()) -> ObstacleView:
    return ObstacleView(
        constraint=constraint, message=_(OBSTACLE_LEADS.get(constraint, OBSTACLE_FALLBACK)), detail=detail,
        entries=tuple(inputs.entry_labels.get(e, str(e)) for e in entries)[:20],
        jurors=tuple(inputs.juror_names.get(j, str(j)) for j in jurors)[:20])


def _solve(inputs: _Inputs) -> _Plan:
    options = inputs.options
    if not inputs.entries:
        raise AssignmentImpossible((_obstacle_view(inputs, "eligibility", "the round has no entries in play"),))
    if not inputs.reviewers:
        raise AssignmentImpossible((_obstacle_view(inputs, "capacity", "the edition has no jurors"),))
    try:
        result = assign(
            entries=inputs.entries, reviewers=inputs.reviewers, per_entry=options.per_entry,
            conflicts=inputs.conflicts, bids=inputs.bids, keep=inputs.keep,
            expert_per_entry=options.expert_per_entry,
            org_cap=options.org_cap, pair_cap=options.pair_cap, time_limit=SOLVER_TIME_LIMIT)
    except AssignmentInfeasible as infeasible:
        raise AssignmentImpossible(tuple(
            _obstacle_view(inputs, o.constraint, o.message, o.entries, o.reviewers)
            for o in infeasible.obstacles)) from None
    except ValueError as error:
        raise AssignmentImpossible((_obstacle_view(inputs, "input", str(error)),)) from None
    pairs = [ProposedPair(entry=int(p.entry), juror=int(p.reviewer), affinity=round(float(p.affinity), 6),
                          expert=bool(p.expert), kept=(p.entry, p.reviewer) in inputs.active)
             for p in result.pairs]
    chosen = {(p.entry, p.juror) for p in pairs}
    loads = [result.loads[r.id] for r in inputs.reviewers]
    experts = Counter(p.entry for p in pairs if p.expert)
    distribution = Counter(experts.get(e.id, 0) for e in inputs.entries)
    avoided = Counter()
    for conflicts in result.avoided.values():
        for rule, count in Counter(c.rule for c in set(conflicts)).items():
            avoided[rule] += count
    summary = {
        "objective": float(result.objective), "bound": float(result.bound), "gap": float(result.gap),
        "load_min": int(min(loads)), "load_median": float(statistics.median(loads)), "load_max": int(max(loads)),
        "experts_per_entry": sorted(distribution.items()),
        "conflicts_avoided": sorted(avoided.items()),
        "sides": [[s.name, s.met, s.detail] for s in result.sides],
        "released": [[int(r.entry), int(r.reviewer), r.reason] for r in result.released],
        "kept": sum(1 for p in pairs if p.kept), "added": sum(1 for p in pairs if not p.kept),
        "removed": sum(1 for pair in inputs.active if pair not in chosen),
        "method": result.method, "entries": len(inputs.entries), "jurors": len(inputs.reviewers),
    }
    return _Plan(basis=inputs.basis(), pairs=pairs, summary=summary)


def _preview(plan: _Plan, options: AssignmentOptions, proposal_id: int | None) -> AssignmentPreview:
    s = plan.summary
    return AssignmentPreview(
        proposal_id=proposal_id, options=options, pairs=tuple(plan.pairs), objective=s["objective"],
        bound=s["bound"], gap=s["gap"], load_min=s["load_min"], load_median=s["load_median"],
        load_max=s["load_max"], experts_per_entry=tuple(tuple(x) for x in s["experts_per_entry"]),
        conflicts_avoided=tuple(tuple(x) for x in s["conflicts_avoided"]),
        sides=tuple(SideView(*x) for x in s["sides"]), released=tuple(tuple(x) for x in s["released"]),
        kept=s["kept"], added=s["added"], removed=s["removed"], method=s["method"], entries=s["entries"],
        jurors=s["jurors"])


async def _apply(*, actor: SessionUser, round_row: dict[str, Any], plan: _Plan, options: AssignmentOptions,
                 action: str) -> None:
    """Write a plan if the round is still what it was computed from; call inside the write transaction."""
    await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
    inputs = await _gather(round_row, options)
    if inputs.basis() != plan.basis:
        raise StaleProposal(round_row["code"])
    chosen = {(p.entry, p.juror): p for p in plan.pairs}
    new = [p for pair, p in chosen.items() if pair not in inputs.active]
    if new:
        await Assignment.insert(*(Assignment(round=round_row["id"], application=p.entry, juror=p.juror,
                                             origin="engine", affinity=p.affinity, status="assigned") for p in new))
    leaving = [r for pair, r in inputs.active.items() if pair not in chosen]
    delete = [r["id"] for r in leaving if not r["reviewed"]]
    release = [r["id"] for r in leaving if r["reviewed"]]
    if delete:
        await Assignment.delete().where(Assignment.id.is_in(delete))
    if release:  # a review already written stays on record, out of the results
        await Assignment.update({Assignment.status: "recused"}).where(Assignment.id.is_in(release))
    settings = dict(round_row["settings"] or {})
    settings["assignment"] = asdict(options)
    await Round.update({Round.jurors_per_entry: options.per_entry, Round.settings: settings}).where(
        Round.id == round_row["id"])
    await AssignmentProposal.delete().where(AssignmentProposal.round == round_row["id"])
    await audit.record(action, actor_id=actor.id, edition_id=round_row["edition"], subject_type="round",
                       subject_id=round_row["id"], data={
                           "added": len(new), "removed": len(delete), "released": len(release),
                           "kept": plan.summary["kept"], "objective": plan.summary["objective"],
                           "gap": plan.summary["gap"], "conflicts_avoided": dict(plan.summary["conflicts_avoided"]),
                           "options": asdict(options)})


# -- services -------------------------------------------------------------------------------------------


async def propose_assignment(*, actor: SessionUser, edition_slug: str, round_code: str,
                             options: AssignmentOptions) -> AssignmentPreview:
    """Compute an assignment for the round and store it for accepting; raises AssignmentImpossible with the cause."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    if options.problems():
        raise ValueError(options.problems())
    inputs = await _gather(round_row, options)
    plan = _solve(inputs)
    async with db.write_transaction():
        await AssignmentProposal.delete().where(AssignmentProposal.created_at < datetime.now(UTC) - PROPOSAL_LIFETIME)
        proposal_id = (await AssignmentProposal.insert(AssignmentProposal(
            round=round_row["id"], created_by=actor.id, options=asdict(options), basis=plan.basis,
            pairs=[[p.entry, p.juror, p.affinity, p.expert, p.kept] for p in plan.pairs], summary=plan.summary,
        )))[0]["id"]
        await audit.record("assignment.proposed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"proposal": proposal_id, "objective": plan.summary["objective"],
                                 "gap": plan.summary["gap"], "options": asdict(options)})
    return _preview(plan, options, proposal_id)


async def engine_pairs(*, round_id: int, options: AssignmentOptions) -> list[ProposedPair]:
    """The engine's answer for a round, neither checked against a person nor saved: for the demo loader."""
    round_row = await Round.select(Round.id, Round.code, Round.name, Round.kind, Round.jurors_per_entry,
                                   Round.settings, Round.edition).output(load_json=True).where(
                                           Round.id == round_id).first()
    return _solve(await _gather(round_row, options)).pairs


async def _stored_plan(round_id: int, proposal_id: int) -> tuple[_Plan, AssignmentOptions] | None:
    row = await AssignmentProposal.select().output(load_json=True).where(AssignmentProposal.id == proposal_id,
                                                  AssignmentProposal.round == round_id).first()
    if row is None:
        return None
    options = AssignmentOptions(**row["options"])
    pairs = [ProposedPair(entry=e, juror=j, affinity=a, expert=bool(x), kept=bool(k))
             for e, j, a, x, k in row["pairs"]]
    return _Plan(basis=row["basis"], pairs=pairs, summary=row["summary"]), options


async def accept_assignment(*, actor: SessionUser, edition_slug: str, round_code: str,
                            proposal_id: int) -> AssignmentPreview:
    """Store a proposal's assignments (origin "engine"); StaleProposal if the round changed since."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    async with db.write_transaction():
        stored = await _stored_plan(round_row["id"], proposal_id)
        if stored is None:
            raise StaleProposal(round_code)
        plan, options = stored
        await _apply(actor=actor, round_row=round_row, plan=plan, options=options, action="assignment.accepted")
    return _preview(plan, options, proposal_id)


async def refill_round(*, actor: SessionUser, edition_slug: str, round_code: str) -> AssignmentPreview:
    """Fill the places left by recusals and withdrawals with the round's last options; nothing else moves."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    options = AssignmentOptions(**{**asdict(_default_options(round_row)), "replace_untouched": False})
    plan = _solve(await _gather(round_row, options))
    async with db.write_transaction():
        await _apply(actor=actor, round_row=round_row, plan=plan, options=options, action="assignment.refilled")
    return _preview(plan, options, None)


async def add_assignment(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int,
                         juror_id: int) -> int:
    """Put a juror on an entry by hand, unless a conflict, a release or a duplicate forbids it."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    async with db.write_transaction():
        await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
        inputs = await _gather(round_row, _default_options(round_row), only=(application_id, juror_id))
        if application_id not in inputs.entry_labels:
            raise AssignmentRefused("entry", _("This entry is not in play in this round."))
        if juror_id not in inputs.juror_names:
            raise AssignmentRefused("juror", _("This person is not a juror of the edition."))
        if (application_id, juror_id) in inputs.active:
            raise AssignmentRefused("juror", _("This juror is already assigned to this entry."))
        rules = sorted({c.rule for c in inputs.conflicts if (c.entry, c.reviewer) == (application_id, juror_id)})
        if rules:
            raise AssignmentRefused("juror", _("This juror has a conflict with this entry: {rules}.").format(
                rules=", ".join(_(CONFLICT_RULE_LABELS.get(r, r)) for r in rules)))
        assignment_id = (await Assignment.insert(Assignment(
            round=round_row["id"], application=application_id, juror=juror_id, origin="manual",
            status="assigned")))[0]["id"]
        await audit.record("assignment.added", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="assignment", subject_id=assignment_id,
                           data={"entry": application_id, "juror": juror_id})
    return assignment_id


async def conflicted_jurors(*, round_id: int, application_id: int) -> set[int]:
    """The jurors a declared conflict, a release or a conflict rule keeps off this entry of the round (an appeal
    sending the entry to new jurors asks this)."""
    row = await Round.select(Round.id, Round.code, Round.name, Round.kind, Round.jurors_per_entry, Round.settings,
                             Round.edition, Round.bidding_opens_at, Round.bidding_closes_at).output(
        load_json=True).where(Round.id == round_id).first()
    if row is None:
        return set()
    inputs = await _gather(row, _default_options(row))
    return {c.reviewer for c in inputs.conflicts if c.entry == application_id}


async def remove_assignment(*, actor: SessionUser, edition_slug: str, round_code: str, assignment_id: int) -> None:
    """Take a juror off an entry by hand, as long as no review of it has been written."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    async with db.write_transaction():
        row = await db.locked(Assignment.select(Assignment.id, Assignment.application, Assignment.juror).where(
            Assignment.id == assignment_id, Assignment.round == round_row["id"])).first()
        if row is None:
            raise AssignmentGone()
        if await Review.exists().where(Review.assignment == assignment_id):
            raise AssignmentRefused("assignment", _("The juror has already written a review of this entry, so it "
                                                    "stays on record."))
        await Assignment.delete().where(Assignment.id == assignment_id)
        await audit.record("assignment.removed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="assignment", subject_id=assignment_id,
                           data={"entry": row["application"], "juror": row["juror"]})


def _refill_needs(inputs: _Inputs, per_entry: int, recused: dict[int, list[int]]) -> list[RefillNeed]:
    counts = Counter(entry for entry, _juror in inputs.active)
    return [RefillNeed(entry=e.id, entry_label=inputs.entry_labels[e.id], assigned=counts.get(e.id, 0),
                       needed=per_entry - counts.get(e.id, 0),
                       released=tuple(inputs.juror_names.get(j, str(j)) for j in recused.get(e.id, ())))
            for e in inputs.entries if counts.get(e.id, 0) < per_entry]


async def _recused(round_id: int) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for r in await Assignment.select(Assignment.application, Assignment.juror).where(
            Assignment.round == round_id, Assignment.status == "recused"):
        out.setdefault(r["application"], []).append(r["juror"])
    return out


async def entries_needing_refill(*, actor: SessionUser, edition_slug: str, round_code: str) -> list[RefillNeed]:
    """Entries in play with fewer jurors than the round asks for (after recusals, late entries, removals)."""
    _edition, round_row = await _round_for(actor, edition_slug, round_code)
    if not round_row["jurors_per_entry"]:
        return []
    inputs = await _gather(round_row, _default_options(round_row))
    return _refill_needs(inputs, round_row["jurors_per_entry"], await _recused(round_row["id"]))


async def set_juror_profile(*, actor: SessionUser, edition_slug: str, juror_id: int, tracks: list[str],
                            organisation: str = "", languages: list[str] | None = None,
                            min_load: int | None = None, max_load: int | None = None) -> None:
    """What the engine should know of a juror in this edition: tracks of expertise, organisation, languages, load."""
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise RoundNotFound(edition_slug) from None
    if min_load is not None and max_load is not None and min_load > max_load:
        raise AssignmentRefused("max_load", _("The maximum load must be at least 1 and not below the minimum."))
    values = {JurorProfile.tracks: sorted(set(tracks)), JurorProfile.organisation: organisation.strip()[:200],
              JurorProfile.languages: sorted(set(languages or ())), JurorProfile.min_load: min_load,
              JurorProfile.max_load: max_load, JurorProfile.updated_at: datetime.now(UTC)}
    async with db.write_transaction():
        if not await RoleGrant.exists().where(RoleGrant.account == juror_id, RoleGrant.edition == edition.id,
                                              RoleGrant.role == "juror"):
            raise AssignmentRefused("juror", _("This person is not a juror of the edition."))
        existing = await JurorProfile.select(JurorProfile.id).where(
            JurorProfile.edition == edition.id, JurorProfile.juror == juror_id).first()
        if existing:
            await JurorProfile.update(values).where(JurorProfile.id == existing["id"])
        else:
            await JurorProfile.insert(JurorProfile(edition=edition.id, juror=juror_id,
                                                   **{column._meta.name: value for column, value in values.items()}))
        await audit.record("juror_profile.set", actor_id=actor.id, edition_id=edition.id, subject_type="account",
                           subject_id=juror_id, data={"tracks": sorted(set(tracks)), "min_load": min_load,
                                                      "max_load": max_load})


def _local_input(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


async def assignment_page(*, actor: SessionUser, edition_slug: str, round_code: str,
                          proposal_id: int | None = None) -> RoundAssignmentPage:
    """The round's assignment at a glance: options, current pairs, entries to refill, and a stored proposal."""
    edition, round_row = await _round_for(actor, edition_slug, round_code)
    options = _default_options(round_row)
    inputs = await _gather(round_row, options)
    rows = await Assignment.select(Assignment.id, Assignment.application, Assignment.juror, Assignment.status,
                                   Assignment.origin, Assignment.affinity).where(
        Assignment.round == round_row["id"]).order_by(Assignment.application).order_by(Assignment.juror)
    loads = Counter(juror for _entry, juror in inputs.active)
    profiles = {p["juror"]: p for p in await JurorProfile.select().output(load_json=True).where(
            JurorProfile.edition == inputs.edition_id)}
    page = RoundAssignmentPage(
        edition=edition, round_code=round_row["code"], round_name=round_row["name"] or {},
        per_entry=round_row["jurors_per_entry"], options=options,
        assignments=[AssignmentRow(
            id=r["id"], entry=r["application"], entry_label=inputs.entry_labels.get(r["application"],
                                                                                    f"#{r['application']}"),
            juror=r["juror"], juror_name=inputs.juror_names.get(r["juror"], f"#{r['juror']}"), status=r["status"],
            origin=r["origin"], affinity=r["affinity"], reviewed=r["id"] in inputs.reviewed) for r in rows],
        refill=_refill_needs(inputs, round_row["jurors_per_entry"], await _recused(round_row["id"]))
        if round_row["jurors_per_entry"] else [],
        entries=sorted(inputs.entry_labels.items()),
        jurors=[JurorLine(id=r.id, name=inputs.juror_names[r.id], organisation=r.organisation or "",
                          tracks=tuple(sorted(r.tracks)), load=loads.get(r.id, 0),
                          min_load=(profiles.get(r.id) or {}).get("min_load"),
                          max_load=(profiles.get(r.id) or {}).get("max_load")) for r in inputs.reviewers],
        labels={"entries": inputs.entry_labels, "jurors": inputs.juror_names},
        bidding_opens=_local_input(round_row["bidding_opens_at"], edition.time_zone),
        bidding_closes=_local_input(round_row["bidding_closes_at"], edition.time_zone), bids=len(inputs.bids),
    )
    if proposal_id is not None:
        stored = await _stored_plan(round_row["id"], proposal_id)
        if stored is not None:
            page.preview = _preview(stored[0], stored[1], proposal_id)
            page.options = stored[1]
    return page


CONFLICT_RULE_LABELS = {
    "same_organisation": N_("same organisation"),
    "same_email_domain": N_("same email domain"),
    "sponsor_prize": N_("works for the sponsor of a prize the entry competes for"),
    "mentor": N_("mentor of the entry"),
    "declared": N_("declared by the juror"),
    "released": N_("released the entry earlier"),
}


async def organised_round(*, actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    """The round as the assignment services read it, for an organiser of its edition (RoundNotFound otherwise)."""
    return (await _round_for(actor, edition_slug, round_code))[1]


async def round_pairs(round_row: dict[str, Any]) -> tuple[dict[int, str], dict[int, str], set[tuple[int, int]],
                                                          set[tuple[int, int]]]:
    """The round's entries and jurors by label, the (entry, juror) pairs a conflict keeps apart, and those assigned."""
    inputs = await _gather(round_row, _default_options(round_row))
    return (inputs.entry_labels, inputs.juror_names, {(c.entry, c.reviewer) for c in inputs.conflicts},
            set(inputs.active))
