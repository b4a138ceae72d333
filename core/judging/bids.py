"""Jurors' own profile (tracks of expertise, capacity) and their bids on a round's entries.

A bid is yes / maybe / no while the round's bidding window is open; "conflict" is not stored as a
bid but as a declared conflict, so every rule that keeps conflicts apart sees it. The assignment
engine reads bids through `bid_weights`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.applications.form import stored_form
from core.editions import access
from core.editions.schema import parse_moment
from core.judging.assignments import entries_of_round
from core.judging.reviews import entry_label, identifying_fields
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Application,
    ConflictOfInterest,
    Edition,
    JurorBid,
    JurorProfile,
    RoleGrant,
    Round,
    Track,
)


def N_(message: str) -> str:
    return message


BID_LABELS = {"yes": N_("Yes, I want to review it"), "maybe": N_("Maybe"), "none": N_("No preference"),
              "no": N_("I would rather not"), "conflict": N_("Conflict of interest")}
STORED_BIDS = ("yes", "maybe", "no")
MAX_CAPACITY = 500


class NotAJuror(NotFound):
    """No such edition or round, or this person is not one of its jurors."""


class BiddingClosed(Refused):
    """The round's bidding window is not open."""


class ProfileRefused(Refused):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TrackChoice:
    code: str
    label: dict
    chosen: bool


@dataclass(frozen=True)
class ProfilePage:
    edition_slug: str
    edition_name: dict
    juror_id: int
    juror_name: str
    tracks: tuple[TrackChoice, ...]
    max_load: int | None


@dataclass(frozen=True)
class BidLine:
    entry: int
    title: str
    track: dict
    abstract: str
    bid: str  # yes, maybe, none, no, conflict


@dataclass(frozen=True)
class BiddingPage:
    round_id: int
    round_name: dict
    edition_slug: str
    open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    lines: tuple[BidLine, ...]
    labels: dict[str, str]
    page_number: int = 1  # the lines are this page of the round's entries, BIDS_PER_PAGE at a time
    pages: int = 1
    entries: int = 0  # in the whole round


def _label(names) -> dict:
    """A name in several languages, for the `t` filter of the templates."""
    names = names or {}
    return names if isinstance(names, dict) else {"en": str(names)}


async def _edition_for_juror(juror: SessionUser, edition_slug: str) -> dict:
    edition = await Edition.select(Edition.id, Edition.slug, Edition.title).output(load_json=True).where(
        Edition.slug == edition_slug).first()
    if edition is None or not await RoleGrant.exists().where(
            RoleGrant.account == juror.id, RoleGrant.edition == edition["id"], RoleGrant.role == "juror"):
        raise NotAJuror(edition_slug)
    return edition


async def _profile_page(edition: dict, juror_id: int) -> ProfilePage:
    profile = await JurorProfile.select().output(load_json=True).where(JurorProfile.edition == edition["id"],
                                                JurorProfile.juror == juror_id).first() or {}
    chosen = set(profile.get("tracks") or ())
    tracks = await Track.select(Track.code, Track.name).output(load_json=True).where(
        Track.edition == edition["id"]).order_by(Track.id)
    grant = await RoleGrant.select(RoleGrant.account.display_name, RoleGrant.account.email).where(
        RoleGrant.account == juror_id, RoleGrant.edition == edition["id"], RoleGrant.role == "juror").first()
    if grant is None:
        raise NotAJuror(edition["slug"])
    return ProfilePage(
        edition_slug=edition["slug"], edition_name=_label(edition["title"]), juror_id=juror_id,
        juror_name=grant["account.display_name"] or grant["account.email"],
        tracks=tuple(TrackChoice(t["code"], _label(t["name"]) or {"en": t["code"]}, t["code"] in chosen)
                     for t in tracks),
        max_load=profile.get("max_load"))


async def own_profile(*, juror: SessionUser, edition_slug: str) -> ProfilePage:
    return await _profile_page(await _edition_for_juror(juror, edition_slug), juror.id)


async def profile_for_organiser(*, actor: SessionUser, edition_slug: str, juror_id: int) -> ProfilePage:
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise NotAJuror(edition_slug) from None
    row = await Edition.select(Edition.id, Edition.slug, Edition.title).output(load_json=True).where(
        Edition.id == edition.id).first()
    return await _profile_page(row, juror_id)


def parse_capacity(raw: str) -> tuple[int | None, dict[str, str]]:
    raw = (raw or "").strip()
    if not raw:
        return None, {}
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CAPACITY:
        return None, {"max_load": _("Enter a whole number from 1 to 500, or leave it empty.")}
    return int(raw), {}


async def _write_profile(*, actor_id: int, edition_id: int, juror_id: int, tracks: list[str],
                         max_load: int | None) -> None:
    known = {t["code"] for t in await Track.select(Track.code).where(Track.edition == edition_id)}
    chosen = sorted(set(tracks) & known)
    async with db.write_transaction():
        existing = await JurorProfile.select(JurorProfile.id).where(
            JurorProfile.edition == edition_id, JurorProfile.juror == juror_id).first()
        values = {JurorProfile.tracks: chosen, JurorProfile.max_load: max_load,
                  JurorProfile.updated_at: datetime.now(UTC)}
        if existing:
            await JurorProfile.update(values).where(JurorProfile.id == existing["id"])
        else:
            await JurorProfile.insert(JurorProfile(edition=edition_id, juror=juror_id, tracks=chosen,
                                                   max_load=max_load))
        await audit.record("juror_profile.set", actor_id=actor_id, edition_id=edition_id, subject_type="account",
                           subject_id=juror_id, data={"tracks": chosen, "max_load": max_load})


async def set_own_profile(*, juror: SessionUser, edition_slug: str, tracks: list[str],
                          capacity: str) -> None:
    edition = await _edition_for_juror(juror, edition_slug)
    max_load, errors = parse_capacity(capacity)
    if errors:
        raise ProfileRefused(errors)
    await _write_profile(actor_id=juror.id, edition_id=edition["id"], juror_id=juror.id, tracks=tracks,
                         max_load=max_load)


async def set_profile_as_organiser(*, actor: SessionUser, edition_slug: str, juror_id: int, tracks: list[str],
                                   capacity: str) -> None:
    page = await profile_for_organiser(actor=actor, edition_slug=edition_slug, juror_id=juror_id)
    max_load, errors = parse_capacity(capacity)
    if errors:
        raise ProfileRefused(errors)
    edition = await Edition.select(Edition.id).where(Edition.slug == page.edition_slug).first()
    await _write_profile(actor_id=actor.id, edition_id=edition["id"], juror_id=juror_id, tracks=tracks,
                         max_load=max_load)


# -- bidding ----------------------------------------------------------------------------------------


def _is_open(round_row: dict, now: datetime) -> bool:
    opens, closes = round_row["bidding_opens_at"], round_row["bidding_closes_at"]
    return opens is not None and closes is not None and opens <= now < closes


async def _round_for_juror(juror: SessionUser, round_id: int) -> dict:
    row = await Round.select(Round.id, Round.name, Round.edition, Round.edition.slug, Round.bidding_opens_at,
                             Round.bidding_closes_at, Round.blind, Round.edition.application_form).output(
        load_json=True).where(Round.id == round_id).first()
    if row is None or not await RoleGrant.exists().where(
            RoleGrant.account == juror.id, RoleGrant.edition == row["edition"], RoleGrant.role == "juror"):
        raise NotAJuror(str(round_id))
    return row


async def _round_entries(round_row: dict) -> list[dict]:
    ids = await entries_of_round(round_row["id"])
    if not ids:
        return []
    return await Application.select(Application.id, Application.title, Application.track.name,
                                    Application.answers).output(load_json=True).where(
        Application.id.is_in(ids)).order_by(Application.id)


def _abstract(answers) -> str:
    stored = answers or {}
    values = stored.get("values", stored) if isinstance(stored, dict) else {}
    value = values.get("abstract") if isinstance(values, dict) else None
    return value if isinstance(value, str) else ""


BIDS_PER_PAGE = 25


async def bidding_page(*, juror: SessionUser, round_id: int, page_number: int = 1) -> BiddingPage:
    """One page of the round's entries with the juror's bids; a page past the end shows the last one."""
    round_row = await _round_for_juror(juror, round_id)
    every_entry = await _round_entries(round_row)
    pages = max(1, -(-len(every_entry) // BIDS_PER_PAGE))
    page_number = min(max(1, page_number), pages)
    entries = every_entry[(page_number - 1) * BIDS_PER_PAGE:page_number * BIDS_PER_PAGE]
    bids = {b["application"]: b["bid"] for b in await JurorBid.select(JurorBid.application, JurorBid.bid).where(
        JurorBid.round == round_id, JurorBid.juror == juror.id)}
    conflicted = {c["application"] for c in await ConflictOfInterest.select(ConflictOfInterest.application).where(
        ConflictOfInterest.juror == juror.id)}
    blind = bool(round_row["blind"])
    hidden = identifying_fields(stored_form(round_row["edition.application_form"])) if blind else set()
    lines = tuple(BidLine(
        entry=e["id"], title=entry_label(e["id"]) if blind or not e["title"] else e["title"],
        track=_label(e["track.name"]), abstract="" if "abstract" in hidden else _abstract(e["answers"]),
        bid="conflict" if e["id"] in conflicted else bids.get(e["id"], "none")) for e in entries)
    return BiddingPage(round_id=round_id, round_name=round_row["name"] or {},
                       edition_slug=round_row["edition.slug"], open=_is_open(round_row, datetime.now(UTC)),
                       opens_at=round_row["bidding_opens_at"], closes_at=round_row["bidding_closes_at"],
                       lines=lines, labels={k: _(v) for k, v in BID_LABELS.items()}, page_number=page_number,
                       pages=pages, entries=len(every_entry))


async def save_bids(*, juror: SessionUser, round_id: int, bids: dict[int, str]) -> int:
    """Store the juror's bids; unknown entries and values are ignored. Returns how many changed."""
    changed = 0
    async with db.write_transaction():
        round_row = await _round_for_juror(juror, round_id)
        if not _is_open(round_row, datetime.now(UTC)):
            raise BiddingClosed(_("Bidding for this round is not open."))
        in_round = {e["id"] for e in await _round_entries(round_row)}
        stored = {b["application"]: b for b in await JurorBid.select().output(load_json=True).where(
            JurorBid.round == round_id, JurorBid.juror == juror.id)}
        conflicted = {c["application"] for c in await ConflictOfInterest.select(
            ConflictOfInterest.application).where(ConflictOfInterest.juror == juror.id)}
        for entry, bid in sorted(bids.items()):
            if entry not in in_round or bid not in BID_LABELS or entry in conflicted:
                continue  # a declared conflict stays one: the organisers lift it, not a bid
            previous = stored.get(entry)
            if bid == "conflict":
                await ConflictOfInterest.insert(ConflictOfInterest(
                    application=entry, juror=juror.id, round=round_id, kind="other",
                    reason=_("Declared while bidding."), rule="declared", source="declared"))
                if previous:
                    await JurorBid.delete().where(JurorBid.id == previous["id"])
                await audit.record("conflict.declared", actor_id=juror.id, edition_id=round_row["edition"],
                                   subject_type="application", subject_id=entry, data={"round": round_id,
                                                                                       "via": "bid"})
                changed += 1
                continue
            if (previous["bid"] if previous else "none") == bid:
                continue
            if bid == "none":
                await JurorBid.delete().where(JurorBid.id == previous["id"])
            elif previous:
                await JurorBid.update({JurorBid.bid: bid, JurorBid.updated_at: datetime.now(UTC)}).where(
                    JurorBid.id == previous["id"])
            else:
                await JurorBid.insert(JurorBid(round=round_id, application=entry, juror=juror.id, bid=bid))
            await audit.record("bid.set", actor_id=juror.id, edition_id=round_row["edition"],
                               subject_type="application", subject_id=entry, data={"round": round_id, "bid": bid})
            changed += 1
    return changed


async def set_bidding_window(*, actor: SessionUser, edition_slug: str, round_code: str,
                             opens: str, closes: str) -> None:
    """Open (or, with both empty, remove) a round's bidding window; the moments are in the edition's time zone."""
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise NotAJuror(edition_slug) from None
    zone = ZoneInfo(edition.time_zone)
    errors: dict[str, str] = {}
    moments: dict[str, datetime | None] = {}
    for name, raw in (("bidding_opens", opens), ("bidding_closes", closes)):
        raw = (raw or "").strip()
        moments[name] = None
        if raw:
            try:
                moments[name] = parse_moment(raw, zone)
            except ValueError:
                errors[name] = _("Give a date and time such as 2026-05-01T09:00.")
    opens_at, closes_at = moments["bidding_opens"], moments["bidding_closes"]
    if not errors and (opens_at is None) != (closes_at is None):
        errors["bidding_closes" if closes_at is None else "bidding_opens"] = _("Give both moments, or neither.")
    if not errors and opens_at is not None and closes_at <= opens_at:
        errors["bidding_closes"] = _("The close must come after the opening.")
    if errors:
        raise ProfileRefused(errors)
    async with db.write_transaction():
        row = await Round.select(Round.id).where(Round.edition == edition.id, Round.code == round_code).first()
        if row is None:
            raise NotAJuror(round_code)
        await Round.update({Round.bidding_opens_at: opens_at, Round.bidding_closes_at: closes_at}).where(
            Round.id == row["id"])
        await audit.record("round.bidding_window", actor_id=actor.id, edition_id=edition.id, subject_type="round",
                           subject_id=row["id"], data={"opens_at": opens_at.isoformat() if opens_at else None,
                                                       "closes_at": closes_at.isoformat() if closes_at else None})


@dataclass(frozen=True)
class JurorEdition:
    slug: str
    name: dict
    bidding: tuple[tuple[int, dict], ...]  # (round id, round name) of the rounds whose bidding is open


async def juror_home(*, juror: SessionUser) -> list[JurorEdition]:
    """The editions this person judges, each with the rounds open for bidding now."""
    grants = await RoleGrant.select(RoleGrant.edition, RoleGrant.edition.slug, RoleGrant.edition.title).output(
        load_json=True).where(RoleGrant.account == juror.id, RoleGrant.role == "juror").order_by(RoleGrant.edition)
    if not grants:
        return []
    now = datetime.now(UTC)
    rounds = await Round.select(Round.id, Round.name, Round.edition, Round.bidding_opens_at,
                                Round.bidding_closes_at).output(load_json=True).where(
        Round.edition.is_in([g["edition"] for g in grants]), Round.bidding_opens_at.is_not_null()).order_by(
        Round.position)
    return [JurorEdition(slug=g["edition.slug"], name=_label(g["edition.title"]),
                         bidding=tuple((r["id"], r["name"] or {}) for r in rounds
                                       if r["edition"] == g["edition"] and _is_open(r, now)))
            for g in grants]
