"""Mentors and matching: profiles, both sides' rankings, the engine's proposal, confirmation and re-matches.

The proposal comes from the assignment engine in `scoring/` (one mentor per finalist, the mentors'
capacities as loads, mutual-preference affinities). A mentor who judged an entry in any round of
the edition, or declared a conflict with it, never mentors it; once confirmed, a mentor is recorded
as in conflict with the mentee, so the final round's assignment keeps them off it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.mentoring.access import (
    ACTIVE_MATCH,
    ON_PATH,
    MentoringNotFound,
    MentoringRefused,
    edition_for_mentor,
    edition_for_organiser,
    edition_row,
    own_application_on_path,
    startup_label,
)
from core.messaging import events
from core.platform import audit, db
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Application,
    Assignment,
    ConflictOfInterest,
    MentorChoice,
    MentorMatch,
    MentorProfile,
    RoleGrant,
    Track,
)
from scoring.assign import AffinityRule, AssignmentInfeasible, Conflict, Entry, Reviewer, assign
from scoring.assign_mentors import mutual_affinities


def N_(message: str) -> str:
    return message


# Why the solver found no matching, by the constraint it names, in the organiser's words.
MATCHING_OBSTACLES = {
    "capacity": N_("The mentors cannot follow all the finalists: raise their capacity or add mentors."),
    "eligibility": N_("Some finalists have no mentor free of conflicts."),
    "expert per entry": N_("Some finalists cannot get a mentor of their track."),
    "keep": N_("The matches already confirmed do not fit the mentors' capacity."),
}
MATCHING_FALLBACK = N_("No matching meets every rule together: check the mentors' capacity and conflicts.")

TOPICS = ("business_plan", "impact_measurement", "fundraising", "legal_form", "marketing", "technology",
          "governance")
MAX_CAPACITY = 20
MENTOR_RULE = "mentor of this finalist"


@dataclass
class ProfileInput:
    organisation_name: str = ""
    tracks: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    capacity: str = "2"
    availability: str = ""
    bio: str = ""


@dataclass(frozen=True)
class MentorCard:
    """A mentor as finalists and organisers see them."""

    account_id: int
    name: str
    organisation_name: str
    tracks: tuple[str, ...]
    topics: tuple[str, ...]
    capacity: int
    availability: str
    bio: str


@dataclass(frozen=True)
class FinalistCard:
    application_id: int
    label: str
    track: dict[str, str]


@dataclass(frozen=True)
class MatchLine:
    id: int
    application_id: int
    startup: str
    mentor_id: int
    mentor: str
    status: str
    affinity: float
    rationale: str
    rematch_reason: str


@dataclass(frozen=True)
class Proposal:
    proposed: int
    kept: int
    objective: float
    gap: float
    avoided: int


# -- profiles ---------------------------------------------------------------------------------------


async def _track_codes(edition_id: int) -> list[str]:
    return [r["code"] for r in await Track.select(Track.code).where(Track.edition == edition_id).order_by(
        Track.position)]


async def edition_tracks(*, edition_slug: str) -> list[dict[str, Any]]:
    """The edition's tracks (code and name), for the profile form's choices."""
    edition = await edition_row(edition_slug)
    rows = await Track.select(Track.code, Track.name).output(load_json=True).where(Track.edition == edition[
            "id"]).order_by(Track.position)
    return [{"code": r["code"], "name": r["name"] or {}} for r in rows]


async def mentor_profile(*, actor: SessionUser, edition_slug: str) -> ProfileInput:
    edition = await edition_for_mentor(actor, edition_slug)
    row = await MentorProfile.select().output(load_json=True).where(MentorProfile.edition == edition["id"],
                                             MentorProfile.account == actor.id).first()
    if row is None:
        return ProfileInput()
    return ProfileInput(organisation_name=row["organisation_name"], tracks=list(row["tracks"] or []),
                        topics=list(row["topics"] or []), capacity=str(row["capacity"]),
                        availability=row["availability"], bio=row["bio"])


async def save_profile(*, actor: SessionUser, edition_slug: str, data: ProfileInput) -> dict[str, str]:
    """Save the mentor's own profile; returns errors by field (nothing saved when there are any)."""
    edition = await edition_for_mentor(actor, edition_slug)
    errors: dict[str, str] = {}
    try:
        capacity = int(data.capacity.strip())
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ValueError
    except ValueError:
        errors["capacity"] = _("Enter a whole number from 0 to {most}.").format(most=MAX_CAPACITY)
        capacity = 0
    known_tracks = await _track_codes(edition["id"])
    tracks = [t for t in data.tracks if t in known_tracks]
    topics = [t for t in data.topics if t in TOPICS]
    if len(data.organisation_name) > 200:
        errors["organisation_name"] = _("Use at most 200 characters.")
    if errors:
        return errors
    values = {"organisation_name": data.organisation_name.strip(), "tracks": tracks, "topics": topics,
              "capacity": capacity, "availability": data.availability.strip()[:2000], "bio": data.bio.strip()[:4000],
              "updated_at": datetime.now(UTC)}
    async with db.write_transaction():
        existing = await MentorProfile.select(MentorProfile.id).where(
            MentorProfile.edition == edition["id"], MentorProfile.account == actor.id).first()
        if existing:
            await MentorProfile.update(values).where(MentorProfile.id == existing["id"])
        else:
            await MentorProfile.insert(MentorProfile(edition=edition["id"], account=actor.id, **values))
        await audit.record("mentor.profile_saved", actor_id=actor.id, edition_id=edition["id"],
                           subject_type="account", subject_id=actor.id,
                           data={"capacity": capacity, "tracks": tracks, "topics": topics})
    return {}


def _parse_capacity(text: str) -> int | None:
    try:
        capacity = int(text.strip())
    except ValueError:
        return None
    return capacity if 0 <= capacity <= MAX_CAPACITY else None


async def set_mentor_capacity(*, actor: SessionUser, edition_slug: str, mentor_id: int, capacity: str
                              ) -> dict[str, str]:
    """An organiser changes a mentor's capacity on the edition; returns errors by field (nothing saved then).

    The mentor must hold the mentor role on the edition; one without a profile yet gets one with this capacity.
    """
    edition = await edition_for_organiser(actor, edition_slug)
    grant = await RoleGrant.select(RoleGrant.id).where(
        RoleGrant.edition == edition["id"], RoleGrant.account == mentor_id, RoleGrant.role == "mentor").first()
    if grant is None:
        raise MentoringNotFound(mentor_id)
    value = _parse_capacity(capacity)
    if value is None:
        return {"capacity": _("Enter a whole number from 0 to {most}.").format(most=MAX_CAPACITY)}
    async with db.write_transaction():
        existing = await MentorProfile.select(MentorProfile.id, MentorProfile.capacity).where(
            MentorProfile.edition == edition["id"], MentorProfile.account == mentor_id).first()
        before = existing["capacity"] if existing else None
        if existing:
            await MentorProfile.update({"capacity": value, "updated_at": datetime.now(UTC)}).where(
                MentorProfile.id == existing["id"])
        else:
            await MentorProfile.insert(MentorProfile(edition=edition["id"], account=mentor_id, capacity=value,
                                                     tracks=[], topics=[], updated_at=datetime.now(UTC)))
        await audit.record("mentor.capacity_changed", actor_id=actor.id, edition_id=edition["id"],
                           subject_type="account", subject_id=mentor_id, data={"from": before, "to": value})
    return {}


async def edition_mentors(*, actor: SessionUser, edition_slug: str) -> list[MentorCard]:
    """For organisers: every mentor of the edition with their profile (an empty one with capacity 0 if none yet)."""
    edition = await edition_for_organiser(actor, edition_slug)
    cards = {c.account_id: c for c in await mentor_cards(edition["id"])}
    grants = await RoleGrant.select(RoleGrant.account, RoleGrant.account.display_name, RoleGrant.account.email).where(
        RoleGrant.edition == edition["id"], RoleGrant.role == "mentor").order_by(RoleGrant.id)
    for g in grants:
        cards.setdefault(g["account"], MentorCard(
            account_id=g["account"], name=g["account.display_name"] or g["account.email"], organisation_name="",
            tracks=(), topics=(), capacity=0, availability="", bio=""))
    return list(cards.values())


async def mentor_cards(edition_id: int) -> list[MentorCard]:
    rows = await MentorProfile.select(
        MentorProfile.account, MentorProfile.account.display_name, MentorProfile.account.email,
        MentorProfile.organisation_name, MentorProfile.tracks, MentorProfile.topics, MentorProfile.capacity,
        MentorProfile.availability, MentorProfile.bio,
    ).output(load_json=True).where(MentorProfile.edition == edition_id).order_by(MentorProfile.id)
    return [MentorCard(account_id=r["account"], name=r["account.display_name"] or r["account.email"],
                       organisation_name=r["organisation_name"], tracks=tuple(r["tracks"] or ()),
                       topics=tuple(r["topics"] or ()), capacity=r["capacity"],
                       availability=r["availability"], bio=r["bio"]) for r in rows]


async def finalists(edition_id: int) -> list[FinalistCard]:
    rows = await Application.select(Application.id, Application.entity_name, Application.title,
                                    Application.track.name).output(load_json=True).where(
        Application.edition == edition_id, Application.status.is_in(list(ON_PATH))).order_by(Application.id)
    return [FinalistCard(application_id=r["id"], label=startup_label(r), track=r["track.name"] or {})
            for r in rows]


# -- rankings -----------------------------------------------------------------------------------------


async def _ranking(*, side: str, edition_id: int, application_id: int | None = None,
                   mentor_id: int | None = None) -> list[int]:
    query = MentorChoice.select(MentorChoice.application, MentorChoice.mentor).where(
        MentorChoice.edition == edition_id, MentorChoice.side == side)
    if application_id is not None:
        query = query.where(MentorChoice.application == application_id)
    if mentor_id is not None:
        query = query.where(MentorChoice.mentor == mentor_id)
    rows = await query.order_by(MentorChoice.rank)
    return [r["mentor"] if side == "startup" else r["application"] for r in rows]


async def startup_choices(*, actor: SessionUser, application_id: int) -> tuple[list[MentorCard], list[int]]:
    """The edition's mentors and the startup's ranking of them so far."""
    app = await own_application_on_path(actor, application_id)
    return await mentor_cards(app["edition"]), await _ranking(side="startup", edition_id=app["edition"],
                                                              application_id=application_id)


async def rank_mentors(*, actor: SessionUser, application_id: int, mentor_ids: list[int]) -> None:
    """The startup's ranking, best first; mentors without a profile in the edition are ignored."""
    app = await own_application_on_path(actor, application_id)
    offered = {c.account_id for c in await mentor_cards(app["edition"])}
    ranking = _unique([m for m in mentor_ids if m in offered])
    async with db.write_transaction():
        await MentorChoice.delete().where(MentorChoice.side == "startup", MentorChoice.application == application_id)
        if ranking:
            await MentorChoice.insert(*(MentorChoice(edition=app["edition"], side="startup", application=application_id,
                                                     mentor=m, rank=i + 1) for i, m in enumerate(ranking)))
        await audit.record("mentoring.startup_ranked", actor_id=actor.id, edition_id=app["edition"],
                           subject_type="application", subject_id=application_id, data={"mentors": ranking})


async def mentor_choices(*, actor: SessionUser, edition_slug: str) -> tuple[list[FinalistCard], list[int]]:
    edition = await edition_for_mentor(actor, edition_slug)
    return await finalists(edition["id"]), await _ranking(side="mentor", edition_id=edition["id"],
                                                          mentor_id=actor.id)


async def rank_finalists(*, actor: SessionUser, edition_slug: str, application_ids: list[int]) -> None:
    """The mentor's ranking of finalists, best first; applications not on the path are ignored."""
    edition = await edition_for_mentor(actor, edition_slug)
    offered = {f.application_id for f in await finalists(edition["id"])}
    ranking = _unique([a for a in application_ids if a in offered])
    async with db.write_transaction():
        await MentorChoice.delete().where(MentorChoice.edition == edition["id"], MentorChoice.side == "mentor",
                                          MentorChoice.mentor == actor.id)
        if ranking:
            await MentorChoice.insert(*(MentorChoice(edition=edition["id"], side="mentor", application=a,
                                                     mentor=actor.id, rank=i + 1) for i, a in enumerate(ranking)))
        await audit.record("mentoring.mentor_ranked", actor_id=actor.id, edition_id=edition["id"],
                           subject_type="account", subject_id=actor.id, data={"applications": ranking})


def _unique(values: list[int]) -> list[int]:
    seen: set[int] = set()
    return [v for v in values if not (v in seen or seen.add(v))]


# -- matching ---------------------------------------------------------------------------------------------


async def judged_pairs(edition_id: int) -> set[tuple[int, int]]:
    """(application, account) pairs where the account judged the entry or declared a conflict with it."""
    assigned = await Assignment.select(Assignment.application, Assignment.juror).where(
        Assignment.round.edition == edition_id)
    declared = await ConflictOfInterest.select(ConflictOfInterest.application, ConflictOfInterest.juror).where(
        ConflictOfInterest.application.edition == edition_id, ConflictOfInterest.rule != MENTOR_RULE)
    return {(r["application"], r["juror"]) for r in assigned} | {(r["application"], r["juror"]) for r in declared}


async def propose_matches(*, actor: SessionUser, edition_slug: str) -> Proposal:
    """Replace the open proposals with the engine's best mutual fit; confirmed matches stay as they are."""
    edition = await edition_for_organiser(actor, edition_slug)
    edition_id = edition["id"]
    cards = [c for c in await mentor_cards(edition_id) if c.capacity > 0]
    people = await finalists(edition_id)
    tracks = {r["id"]: r["code"] for r in await Track.select(Track.id, Track.code).where(Track.edition == edition_id)}
    app_tracks = {r["id"]: tracks.get(r["track"]) for r in await Application.select(
        Application.id, Application.track).where(Application.edition == edition_id)}
    mentor_ids = {c.account_id for c in cards}
    finalist_ids = {f.application_id for f in people}
    keep, conflicts = await _match_constraints(edition_id, finalist_ids=finalist_ids, mentor_ids=mentor_ids)
    startup_side, mentor_side = await _choices(edition_id, finalist_ids=finalist_ids, mentor_ids=mentor_ids)
    affinities = mutual_affinities(finalist_choices=startup_side, mentor_choices=mentor_side)
    if not people:
        raise MentoringRefused(_("There are no finalists to match yet."))
    try:
        result = assign(
            entries=[Entry(f.application_id, track=app_tracks.get(f.application_id)) for f in people],
            reviewers=[Reviewer(c.account_id, tracks=frozenset(c.tracks), max_load=c.capacity) for c in cards],
            per_entry=1, conflicts=conflicts, affinities=affinities, keep=keep,
            # The track fit only breaks ties between equally preferred pairs.
            rule=AffinityRule(expert=0.05, base=0.0, table_mode="add"), time_limit=10.0,
        )
    except AssignmentInfeasible as failure:
        # The solver explains itself in English; the organiser reads why in their language.
        reasons = dict.fromkeys(_(MATCHING_OBSTACLES.get(o.constraint, MATCHING_FALLBACK)) for o in failure.obstacles)
        raise MentoringRefused(" ".join(reasons) or _(MATCHING_FALLBACK)) from None
    except ValueError:
        raise MentoringRefused(_(MATCHING_FALLBACK)) from None
    now = datetime.now(UTC)
    new_pairs = [p for p in result.pairs if not p.kept]
    async with db.write_transaction():
        await MentorMatch.delete().where(MentorMatch.edition == edition_id, MentorMatch.status == "proposed")
        if new_pairs:
            await MentorMatch.insert(*(MentorMatch(
                edition=edition_id, mentor=p.reviewer, application=p.entry, status="proposed",
                affinity=round(p.affinity, 6), created_at=now,
                rationale=_rationale(p.entry, p.reviewer, startup_side, mentor_side)) for p in new_pairs))
        await audit.record("mentoring.proposed", actor_id=actor.id, edition_id=edition_id,
                           subject_type="edition", subject_id=edition_id,
                           data={"pairs": [[p.entry, p.reviewer] for p in new_pairs], "kept": len(keep),
                                 "objective": result.objective, "gap": result.gap})
    return Proposal(proposed=len(new_pairs), kept=len(keep), objective=result.objective, gap=result.gap,
                    avoided=sum(len(v) for v in result.avoided.values()))


async def _match_constraints(edition_id: int, *, finalist_ids: set[int],
                             mentor_ids: set[int]) -> tuple[list[tuple[int, int]], list[Conflict]]:
    """Confirmed matches to keep, and pairs never to propose: a mentor who judged the entry, a mentor replaced."""
    matches = await MentorMatch.select(MentorMatch.id, MentorMatch.application, MentorMatch.mentor,
                                       MentorMatch.status).where(MentorMatch.edition == edition_id)
    keep = [(m["application"], m["mentor"]) for m in matches if m["status"] == "confirmed"
            and m["mentor"] in mentor_ids and m["application"] in finalist_ids]
    kept_apps = {a for a, _m in keep}
    # A finalist whose match awaits a re-match is matched again, never to the same mentor.
    blocked = {(m["application"], m["mentor"]) for m in matches if m["status"] in ("rematch_requested", "ended")}
    judged = await judged_pairs(edition_id)
    conflicts = [Conflict(a, m, "judged this entry") for a, m in sorted(judged)
                 if a in finalist_ids and m in mentor_ids and (a, m) not in keep]
    conflicts += [Conflict(a, m, "re-match requested") for a, m in sorted(blocked - judged)
                  if a in finalist_ids and m in mentor_ids and a not in kept_apps]
    return keep, conflicts


async def _choices(edition_id: int, *, finalist_ids: set[int],
                   mentor_ids: set[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Each startup's ranking of mentors and each mentor's ranking of startups, best first."""
    startup_side: dict[int, list[int]] = {}
    mentor_side: dict[int, list[int]] = {}
    for row in await MentorChoice.select(MentorChoice.side, MentorChoice.application, MentorChoice.mentor).where(
            MentorChoice.edition == edition_id).order_by(MentorChoice.rank):
        if row["application"] in finalist_ids and row["mentor"] in mentor_ids:
            if row["side"] == "startup":
                startup_side.setdefault(row["application"], []).append(row["mentor"])
            else:
                mentor_side.setdefault(row["mentor"], []).append(row["application"])
    return startup_side, mentor_side


def _rationale(application: int, mentor: int, startup_side: dict[int, list[int]],
               mentor_side: dict[int, list[int]]) -> str:
    """Plain facts for the organiser: which choice this pair was on each side (translated at display)."""
    s = startup_side.get(application, [])
    m = mentor_side.get(mentor, [])
    by_startup = s.index(mentor) + 1 if mentor in s else 0
    by_mentor = m.index(application) + 1 if application in m else 0
    return f"startup:{by_startup};mentor:{by_mentor}"


def rationale_ranks(rationale: str) -> tuple[int, int]:
    """(rank the startup gave the mentor, rank the mentor gave the startup); 0 when unranked."""
    parts = dict(p.split(":", 1) for p in rationale.split(";") if ":" in p)
    try:
        return int(parts.get("startup", 0)), int(parts.get("mentor", 0))
    except ValueError:
        return 0, 0


async def confirm_matches(*, actor: SessionUser, edition_slug: str, match_ids: list[int] | None = None) -> int:
    """Confirm proposals (all, or the ones named); a finalist's earlier match awaiting a re-match ends."""
    edition = await edition_for_organiser(actor, edition_slug)
    now = datetime.now(UTC)
    async with db.write_transaction():
        query = MentorMatch.select(MentorMatch.id, MentorMatch.application, MentorMatch.mentor).where(
            MentorMatch.edition == edition["id"], MentorMatch.status == "proposed")
        if match_ids is not None:
            query = query.where(MentorMatch.id.is_in(match_ids or [-1]))
        rows = await db.locked(query)
        for row in rows:
            await MentorMatch.update({MentorMatch.status: "ended", MentorMatch.ended_at: now}).where(
                MentorMatch.application == row["application"], MentorMatch.status.is_in(list(ACTIVE_MATCH)))
            await MentorMatch.update({MentorMatch.status: "confirmed", MentorMatch.confirmed_at: now,
                                      MentorMatch.confirmed_by: actor.id}).where(MentorMatch.id == row["id"])
            if not await ConflictOfInterest.exists().where(
                    ConflictOfInterest.application == row["application"], ConflictOfInterest.juror == row["mentor"],
                    ConflictOfInterest.rule == MENTOR_RULE):
                await ConflictOfInterest.insert(ConflictOfInterest(
                    application=row["application"], juror=row["mentor"], kind="organisational",
                    reason="mentor", rule=MENTOR_RULE, source="rule"))
            await audit.record("mentoring.confirmed", actor_id=actor.id, edition_id=edition["id"],
                               subject_type="mentor_match", subject_id=row["id"],
                               data={"application": row["application"], "mentor": row["mentor"]})
            # The startup, not the mentor: a mentor is a person, partners get no one's identity.
            await events.emit("mentor_match.confirmed", edition_id=edition["id"], subject_type="mentor_match",
                              subject_id=row["id"], data={"application": row["application"]}, at=now)
    return len(rows)


async def request_rematch(*, actor: SessionUser, match_id: int, reason: str) -> None:
    """Either side asks the organisers for another match, saying why; the match stays until one is confirmed."""
    reason = reason.strip()
    if not reason:
        raise MentoringRefused(_("Say why you ask for a new match."), field="reason")
    async with db.write_transaction():
        row = await db.locked(MentorMatch.select(
            MentorMatch.id, MentorMatch.edition, MentorMatch.mentor, MentorMatch.status, MentorMatch.application,
        ).where(MentorMatch.id == match_id, MentorMatch.status.is_in(list(ACTIVE_MATCH)))).first()
        owner = await Application.select(Application.applicant).where(
            Application.id == row["application"]).first() if row else None
        if row is None or actor.id not in (row["mentor"], owner["applicant"]):
            raise MentoringNotFound(match_id)
        await MentorMatch.update({MentorMatch.status: "rematch_requested", MentorMatch.rematch_reason: reason[:2000],
                                  MentorMatch.rematch_requested_by: actor.id,
                                  MentorMatch.rematch_requested_at: datetime.now(UTC)}).where(
            MentorMatch.id == match_id)
        await audit.record("mentoring.rematch_requested", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="mentor_match", subject_id=match_id,
                           data={"side": "mentor" if actor.id == row["mentor"] else "startup"})


async def edition_matches(edition_id: int) -> list[MatchLine]:
    rows = await MentorMatch.select(
        MentorMatch.id, MentorMatch.application, MentorMatch.application.entity_name, MentorMatch.application.title,
        MentorMatch.mentor, MentorMatch.mentor.display_name, MentorMatch.mentor.email, MentorMatch.status,
        MentorMatch.affinity, MentorMatch.rationale, MentorMatch.rematch_reason,
    ).where(MentorMatch.edition == edition_id).order_by(MentorMatch.application).order_by(MentorMatch.id)
    return [MatchLine(id=r["id"], application_id=r["application"], startup=startup_label(r, "application."),
                      mentor_id=r["mentor"], mentor=r["mentor.display_name"] or r["mentor.email"],
                      status=r["status"], affinity=r["affinity"] or 0.0, rationale=r["rationale"],
                      rematch_reason=r["rematch_reason"]) for r in rows]


def as_ids(values: list[Any]) -> list[int]:
    """Form values to ids, dropping anything that is not a positive whole number."""
    out = []
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue
        if number > 0:
            out.append(number)
    return out


async def mentor_conflicts(*, edition_id: int) -> list[tuple[int, int]]:
    """(application, mentor) pairs of active matches: a juror assignment must keep these apart in every round."""
    rows = await MentorMatch.select(MentorMatch.application, MentorMatch.mentor).where(
        MentorMatch.edition == edition_id, MentorMatch.status.is_in(list(ACTIVE_MATCH)))
    return sorted((r["application"], r["mentor"]) for r in rows)
