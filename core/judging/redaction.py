"""Blind rounds in free text: what jurors read of each answer, and the organiser's review before they read it.

A blind round hides the identifying questions, but applicants name themselves in the others
("Noi di Orti Segreti srl…"). Every text answer a juror would read is searched for the applicant's
names, codes and addresses (`core.platform.identifying`); each hit is a suggestion that an organiser
redacts or keeps, and an organiser may also edit the copy by hand (pretalx's "anonymise" step).
Jurors of a blind round read that copy. The round stays closed to its jurors while any suggestion
is undecided, unless an organiser accepts the remaining ones with a written reason (audited).

The count of undecided suggestions is kept per application, for the version of the application
and of the detector it was made for, so a juror's page checks the whole round in one query.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from core.applications.form import stored_form
from core.applications.lifecycle import DEFAULT_IN_PLAY, IN_PLAY
from core.editions import access
from core.editions.schema import QuestionSpec, SectionSpec
from core.judging import review_queries
from core.platform import audit, db
from core.platform.db import decode_json
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identifying import DETECTOR_VERSION, MASK, Hit, Identity, find_identifying, redact, segments
from core.platform.identity import SessionUser
from core.platform.tables import AnswerRedaction, Application, Assignment, Round, TeamMember

# What a blind round never shows, whatever the form says: the entity and the people.
ALWAYS_IDENTIFYING = {"entity_name", "tax_code", "website", "members", "contact_email"}
TEXT_TYPES = frozenset({"short_text", "long_text", "email", "url"})
# Answers that are codes or numbers, not words an applicant typed; anything else that holds a string is searched.
NOT_TEXT_TYPES = frozenset({"number", "date", "single_choice", "multiple_choice", "region", "yes_no", "file", "table"})
ACTIONS = ("redact", "keep")
MAX_REASON = 2000
MAX_EDITED_TEXT = 20_000
PATH_SEPARATOR = "/"


class RoundNotFound(NotFound):
    """No such round, or not this person's to organise."""


class EntryNotFound(NotFound):
    """Not an entry of this round."""


class RedactionRefused(Refused):
    """A redaction the rules refuse (an acceptance without a reason, say); `message` says why."""


def identifying_codes(sections: list[SectionSpec]) -> set[str]:
    """The questions a blind round hides: the entity and the people, and whatever the form marks identifying."""
    return ALWAYS_IDENTIFYING | {q.code for s in sections for q in s.questions if q.identifying}


# -- the texts a juror reads, and who they may name -------------------------------------------------


@dataclass(frozen=True)
class TextUnit:
    """One piece of free text a juror of a blind round reads: an answer, or one cell of a table answer."""

    path: str
    question: QuestionSpec
    column_label: dict[str, str] | None
    row: int | None
    text: str


def text_units(sections: list[SectionSpec], values: dict[str, Any], hidden: set[str]) -> list[TextUnit]:
    """Every free-text value jurors see, in form order; choices, numbers and dates name nobody."""
    units = []
    for section in sections:
        for question in section.questions:
            if question.code in hidden:
                continue
            value = values.get(question.code)
            if question.type not in NOT_TEXT_TYPES and isinstance(value, str) and value.strip():
                units.append(TextUnit(path=question.code, question=question, column_label=None, row=None,
                                      text=value))
            elif question.type == "table" and isinstance(value, list):
                for index, row in enumerate(value):
                    if not isinstance(row, dict):
                        continue
                    for column in question.columns:
                        cell = row.get(column.code)
                        if column.type not in NOT_TEXT_TYPES and isinstance(cell, str) and cell.strip():
                            units.append(TextUnit(
                                path=PATH_SEPARATOR.join((question.code, str(index), column.code)),
                                question=question, column_label=column.label, row=index + 1, text=cell))
    return units


def identity_of(*, sections: list[SectionSpec], values: dict[str, Any], entity_name: str, tax_code: str,
                team: list[dict[str, Any]]) -> Identity:
    """Who the entry could be named by: its identifying answers, its record and its team."""
    entities, people, emails, codes, web, other = [entity_name], [], [], [tax_code], [], []
    for section in sections:
        for question in section.questions:
            if not (question.identifying or question.code in ALWAYS_IDENTIFYING):
                continue
            value = values.get(question.code)
            if question.type == "table" and isinstance(value, list):
                for row in value:
                    for column in question.columns if isinstance(row, dict) else ():
                        cell = row.get(column.code)
                        if isinstance(cell, str) and cell.strip() and column.type in TEXT_TYPES:
                            if column.type == "email":
                                emails.append(cell)
                            elif column.code in ("name", "full_name", "nome"):
                                people.append(cell)
                            elif column.type == "url":
                                web.append(cell)
                            else:
                                other.append(cell)
                continue
            if not isinstance(value, str) or not value.strip():
                continue
            if question.code == "entity_name":
                entities.append(value)
            elif question.code == "tax_code":
                codes.append(value)
            elif question.type == "email":
                emails.append(value)
            elif question.type == "url":
                web.append(value)
            elif question.type in TEXT_TYPES:
                other.append(value)
    for member in team:
        people.append(member.get("full_name") or "")
        emails.append(member.get("email") or "")

    def distinct(items: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.strip() for item in items if item and item.strip()))

    return Identity(entity_names=distinct(entities), people=distinct(people), emails=distinct(emails),
                    tax_codes=distinct(codes), web=distinct(web), other=distinct(other))


# -- one entry's review ------------------------------------------------------------------------------


@dataclass
class UnitReview:
    """One text as the organiser reviews it: the original with its suggestions, and what jurors read now."""

    unit: TextUnit
    shown: str
    suggestions: list[Hit]  # in the original text, for highlighting
    pending: list[Hit]  # in the text jurors would read, with no decision yet
    decisions: dict[str, str]  # suggestion key -> "redact" or "keep"
    reasons: dict[str, str]
    stale: bool  # the answer changed after an organiser edited its copy
    edited: bool

    @property
    def segments(self) -> list[tuple[str, Hit | None]]:
        return segments(self.unit.text, self.suggestions)

    @property
    def keys(self) -> list[Hit]:
        """One suggestion per key (the same words twice share a decision), in order of appearance."""
        seen: dict[str, Hit] = {}
        for hit in [*self.suggestions, *self.pending]:
            seen.setdefault(hit.key, hit)
        return list(seen.values())


@dataclass
class EntryReview:
    application_id: int
    title: str
    entity_name: str
    units: list[UnitReview]
    version: int

    @property
    def unreviewed(self) -> int:
        return sum(len(u.pending) + u.stale for u in self.units)

    @property
    def redacted(self) -> int:
        return sum(1 for u in self.units for action in u.decisions.values() if action == "redact")

    @property
    def kept(self) -> int:
        return sum(1 for u in self.units for action in u.decisions.values() if action == "keep")


def _apply(text: str, identity: Identity, decided: dict[str, Any]) -> str:
    """The text with every suggestion decided "redact" masked."""
    if not any(d.get("action") == "redact" for d in decided.values()):
        return text
    hits = find_identifying(text, identity)
    return redact(text, [h for h in hits if decided.get(h.key, {}).get("action") == "redact"])


def review_units(units: list[TextUnit], identity: Identity, texts: dict[str, Any],
                 decisions: dict[str, Any]) -> list[UnitReview]:
    """Pure: each text's suggestions, the copy jurors read and what is still undecided."""
    reviews = []
    for unit in units:
        stored = texts.get(unit.path) if isinstance(texts.get(unit.path), dict) else None
        decided = decisions.get(unit.path) if isinstance(decisions.get(unit.path), dict) else {}
        stale = stored is not None and stored.get("source") != unit.text
        shown = stored.get("text", "") if stored is not None and not stale else _apply(unit.text, identity, decided)
        suggestions = find_identifying(unit.text, identity)
        in_shown = suggestions if shown == unit.text else find_identifying(shown, identity)
        pending = [h for h in in_shown if decided.get(h.key, {}).get("action") != "keep"]
        reviews.append(UnitReview(
            unit=unit, shown=shown, suggestions=suggestions, pending=pending,
            decisions={k: d.get("action", "") for k, d in decided.items() if isinstance(d, dict)},
            reasons={k: d.get("reason", "") for k, d in decided.items() if isinstance(d, dict)},
            stale=stale, edited=bool(stored and stored.get("edited"))))
    return reviews


def shown_values(values: dict[str, Any], hidden: set[str],
                 reviews: list[UnitReview] | list[ShownText]) -> dict[str, Any]:
    """The answers as jurors of a blind round read them: hidden questions gone, each text as reviewed."""
    shown = {code: copy.deepcopy(value) for code, value in values.items() if code not in hidden}
    for review in reviews:
        parts = review.unit.path.split(PATH_SEPARATOR)
        if len(parts) == 1:
            shown[parts[0]] = review.shown
        else:
            shown[parts[0]][int(parts[1])][parts[2]] = review.shown
    return shown


@dataclass(frozen=True)
class _Entry:
    """What an application's review needs from the database."""

    id: int
    title: str
    entity_name: str
    tax_code: str
    version: int
    values: dict[str, Any]
    team: list[dict[str, Any]]
    redaction: dict[str, Any] | None


async def _entries(ids: list[int]) -> dict[int, _Entry]:
    if not ids:
        return {}
    rows = await Application.select(
        Application.id, Application.title, Application.entity_name, Application.tax_code, Application.version,
        Application.answers).output(load_json=True).where(Application.id.is_in(ids))
    team: dict[int, list[dict[str, Any]]] = {}
    for member in await TeamMember.select(TeamMember.application, TeamMember.full_name, TeamMember.email).where(
            TeamMember.application.is_in(ids)):
        team.setdefault(member["application"], []).append(member)
    redactions = {r["application"]: r for r in await AnswerRedaction.select().output(load_json=True).where(
        AnswerRedaction.application.is_in(ids))}
    entries = {}
    for row in rows:
        stored = row["answers"] or {}
        values = stored.get("values", stored) if isinstance(stored, dict) else {}
        entries[row["id"]] = _Entry(
            id=row["id"], title=row["title"], entity_name=row["entity_name"], tax_code=row["tax_code"] or "",
            version=row["version"], values=values if isinstance(values, dict) else {}, team=team.get(row["id"], []),
            redaction=redactions.get(row["id"]))
    return entries


def _review(entry: _Entry, sections: list[SectionSpec]) -> EntryReview:
    hidden = identifying_codes(sections)
    identity = identity_of(sections=sections, values=entry.values, entity_name=entry.entity_name,
                           tax_code=entry.tax_code, team=entry.team)
    redaction = entry.redaction or {}
    units = review_units(text_units(sections, entry.values, hidden), identity,
                         redaction.get("texts") or {}, redaction.get("decisions") or {})
    return EntryReview(application_id=entry.id, title=entry.title, entity_name=entry.entity_name, units=units,
                       version=entry.version)


def checker(sections: list[SectionSpec]) -> int:
    """The detector's version and the form's shape in one number: a change to either (a question no longer
    marked identifying, say) counts every entry again."""
    form = msgspec.json.encode(sections)
    return int(hashlib.sha256(b"%d:" % DETECTOR_VERSION + form).hexdigest()[:7], 16)


def form_checker(stored: Any) -> int:
    """`checker` of an edition's form as the database holds it, computed once per distinct form text."""
    return _checker_of_text(stored) if isinstance(stored, str) else checker(stored_form(stored))


@functools.lru_cache(maxsize=64)
def _checker_of_text(text: str) -> int:
    return checker(stored_form(text))


def _fresh(entry: _Entry, check: int) -> bool:
    row = entry.redaction
    return row is not None and row["checked_version"] == entry.version and row["detector"] == check


async def blind_answers(*, application_ids: list[int], sections: list[SectionSpec]) -> dict[int, dict[str, Any]]:
    """The answers of these entries as jurors of a blind round read them, by application id."""
    hidden = identifying_codes(sections)
    entries = await _entries(application_ids)
    return {entry_id: shown_values(entry.values, hidden, shown_texts(entry, sections))
            for entry_id, entry in entries.items()}


@dataclass(frozen=True)
class ShownText:
    """One text of an entry and the copy a juror of a blind round reads of it."""

    unit: TextUnit
    shown: str


def shown_texts(entry: _Entry, sections: list[SectionSpec]) -> list[ShownText]:
    """The `shown` copy `_review` gives each text, without looking for suggestions (what the organiser's
    review needs, a juror's page does not): the stored copy while its source is current, else the text with
    the suggestions decided "redact" masked."""
    redaction = entry.redaction or {}
    texts = redaction.get("texts") or {}
    decisions = redaction.get("decisions") or {}
    identity = None
    shown = []
    for unit in text_units(sections, entry.values, identifying_codes(sections)):
        stored = texts.get(unit.path) if isinstance(texts.get(unit.path), dict) else None
        decided = decisions.get(unit.path) if isinstance(decisions.get(unit.path), dict) else {}
        if stored is not None and stored.get("source") == unit.text:
            shown.append(ShownText(unit=unit, shown=stored.get("text", "")))
            continue
        if identity is None and any(d.get("action") == "redact" for d in decided.values()):
            identity = identity_of(sections=sections, values=entry.values, entity_name=entry.entity_name,
                                   tax_code=entry.tax_code, team=entry.team)
        text = unit.text if identity is None else _apply(unit.text, identity, decided)
        shown.append(ShownText(unit=unit, shown=text))
    return shown


# -- the round's gate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundGate:
    """Whether a blind round's jurors may read its entries: no undecided suggestion left in any of them."""

    open: bool
    unreviewed: int
    entries_to_review: int


async def round_entries(round_row: dict[str, Any]) -> list[int]:
    """The entries a round's jurors may read: those assigned to someone, and every entry in play."""
    statuses = list(IN_PLAY.get(round_row["kind"], DEFAULT_IN_PLAY))
    in_play = {a["id"] for a in await Application.select(Application.id).where(
        Application.edition == round_row["edition"], Application.status.is_in(statuses))}
    assigned = {a["application"] for a in await Assignment.select(Assignment.application).where(
        Assignment.round == round_row["id"], Assignment.status != "recused")}
    return sorted(in_play | assigned)


async def round_gate(round_row: dict[str, Any]) -> RoundGate:
    """For a blind round, count what is still undecided; a round that is not blind is always open."""
    if not round_row["blind"]:
        return RoundGate(open=True, unreviewed=0, entries_to_review=0)
    stored_sections = round_row["edition.application_form"]
    sections = stored_form(stored_sections)
    rows = await review_queries.gate_rows(
        round_id=round_row["id"], edition_id=round_row["edition"],
        statuses=list(IN_PLAY.get(round_row["kind"], DEFAULT_IN_PLAY)), detector=form_checker(stored_sections))
    if not rows:
        return RoundGate(open=True, unreviewed=0, entries_to_review=0)
    counts = {row["id"]: int(row["unreviewed"]) for row in rows
              if row["unreviewed"] is not None and row["checked_version"] == row["version"]}
    missing = [row["id"] for row in rows if row["id"] not in counts]
    if missing:
        # Never counted for this version (a round where nothing was found needs no visit of the organiser's page):
        # count once and store it, so that the jurors' pages do not count every entry on every request.
        counts.update(await _store_counts(missing, sections))
    unreviewed = sum(counts.values())
    return RoundGate(open=unreviewed == 0, unreviewed=unreviewed,
                     entries_to_review=sum(1 for count in counts.values() if count))


# -- the organiser's side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInfo:
    id: int
    code: str
    name: dict[str, str]
    blind: bool
    edition_slug: str


@dataclass
class RedactionOverview:
    round: RoundInfo
    gate: RoundGate
    entries: list[EntryReview] = field(default_factory=list)


async def _organised_round(actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise RoundNotFound(round_code) from None
    rows = await Round.raw(
        'SELECT round.id, round.code, round.name, round.kind, round.blind, round.edition, round.settings,'
        ' edition.slug AS "edition.slug", edition.application_form AS "edition.application_form"'
        ' FROM round JOIN edition ON edition.id = round.edition WHERE round.edition = {} AND round.code = {}',
        edition.id, round_code)
    if not rows:
        raise RoundNotFound(round_code)
    return decode_json(rows[0], "name", "settings")  # the form stays text: `stored_form` parses it once


def _round_info(row: dict[str, Any]) -> RoundInfo:
    return RoundInfo(id=row["id"], code=row["code"], name=row["name"] or {}, blind=bool(row["blind"]),
                     edition_slug=row["edition.slug"])


async def redaction_overview(*, actor: SessionUser, edition_slug: str, round_code: str) -> RedactionOverview:
    """Every entry of the round with its suggestions counted; the counts are stored for the jurors' gate."""
    row = await _organised_round(actor, edition_slug, round_code)
    sections = stored_form(row["edition.application_form"])
    entries = await _entries(await round_entries(row))
    reviews = [_review(entry, sections) for entry in entries.values()]
    check = checker(sections)
    stale = [(entries[r.application_id], r) for r in reviews if not _fresh(entries[r.application_id], check)
             or entries[r.application_id].redaction["unreviewed"] != r.unreviewed]
    if stale:
        await _store_counts([entry.id for entry, _review_ in stale], sections)
    unreviewed = sum(r.unreviewed for r in reviews)
    gate = RoundGate(open=not row["blind"] or unreviewed == 0, unreviewed=unreviewed,
                     entries_to_review=sum(1 for r in reviews if r.unreviewed))
    reviews.sort(key=lambda r: (-r.unreviewed, r.application_id))
    return RedactionOverview(round=_round_info(row), gate=gate, entries=reviews)


async def _store_counts(ids: list[int], sections: list[SectionSpec]) -> dict[int, int]:
    """Count the entries' undecided suggestions again under their rows' lock, so that a count never overwrites a
    newer save's, and store each count for its version; returns them by entry."""
    counts: dict[int, int] = {}
    async with db.write_transaction():
        await db.locked(Application.select(Application.id).where(Application.id.is_in(ids)))
        for entry in (await _entries(ids)).values():
            review = _review(entry, sections)
            await _store(entry, review, sections=sections, texts=None, decisions=None, actor_id=None)
            counts[entry.id] = review.unreviewed
    return counts


async def _store(entry: _Entry, review: EntryReview, *, sections: list[SectionSpec], texts: dict | None,
                 decisions: dict | None, actor_id: int | None) -> None:
    """Write the entry's row (inside the caller's transaction), with the count made for this version."""
    values: dict[Any, Any] = {AnswerRedaction.unreviewed: review.unreviewed,
                              AnswerRedaction.checked_version: entry.version,
                              AnswerRedaction.detector: checker(sections)}
    if texts is not None:
        values[AnswerRedaction.texts] = texts
    if decisions is not None:
        values[AnswerRedaction.decisions] = decisions
    if actor_id is not None:
        values[AnswerRedaction.updated_by] = actor_id
        values[AnswerRedaction.updated_at] = datetime.now(UTC)
    if await AnswerRedaction.exists().where(AnswerRedaction.application == entry.id):
        await AnswerRedaction.update(values).where(AnswerRedaction.application == entry.id)
    else:
        await AnswerRedaction.insert(AnswerRedaction(application=entry.id, **{
            column._meta.name: value for column, value in values.items()}))


async def _round_entry(actor: SessionUser, edition_slug: str, round_code: str, application_id: int, *,
                       lock: bool = False) -> tuple[dict[str, Any], list[SectionSpec], _Entry]:
    row = await _organised_round(actor, edition_slug, round_code)
    if application_id not in await round_entries(row):
        raise EntryNotFound(application_id)
    if lock:
        await db.locked(Application.select(Application.id).where(Application.id == application_id))
    entry = (await _entries([application_id]))[application_id]
    return row, stored_form(row["edition.application_form"]), entry


async def redaction_entry(*, actor: SessionUser, edition_slug: str, round_code: str,
                          application_id: int) -> tuple[RoundInfo, EntryReview]:
    """One entry's texts with their suggestions, for an organiser of the edition."""
    row, sections, entry = await _round_entry(actor, edition_slug, round_code, application_id)
    return _round_info(row), _review(entry, sections)


@dataclass
class RedactionInput:
    """What the organiser's form sent: per text, the copy as typed and a decision per suggestion key."""

    texts: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, dict[str, str]] = field(default_factory=dict)


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


async def save_redaction(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int,
                         data: RedactionInput) -> EntryReview:
    """Record the organiser's decisions and edits for one entry; returns the entry as jurors will now read it.

    A text typed by hand is kept as typed (then the suggestions decided "redact" are masked in it);
    otherwise the copy is made again from the original with the decisions, so keeping a suggestion
    that was redacted brings its words back.
    """
    for text in data.texts.values():
        if len(text) > MAX_EDITED_TEXT:
            raise RedactionRefused(_("A text can have at most {count} characters.").format(count=MAX_EDITED_TEXT))
    now = datetime.now(UTC).isoformat()
    async with db.write_transaction():
        row, sections, entry = await _round_entry(actor, edition_slug, round_code, application_id, lock=True)
        before = _review(entry, sections)
        identity = identity_of(sections=sections, values=entry.values, entity_name=entry.entity_name,
                               tax_code=entry.tax_code, team=entry.team)
        stored = entry.redaction or {}
        texts = dict(stored.get("texts") or {})
        decisions = {path: dict(d) for path, d in (stored.get("decisions") or {}).items()
                     if isinstance(d, dict)}
        for review in before.units:
            decided = decisions.setdefault(review.unit.path, {})
            offered = {hit.key for hit in review.keys}
            for key, action in data.decisions.get(review.unit.path, {}).items():
                if key in offered and action in ACTIONS:
                    decided[key] = {"action": action, "by": actor.id, "at": now}
        _rewrite(before, identity, texts, decisions, typed=data.texts)
        after = _review(_with_redaction(entry, texts, decisions), sections)
        await _store(entry, after, sections=sections, texts=texts, decisions=decisions, actor_id=actor.id)
        await audit.record("redaction.saved", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"round": row["code"], "redacted": after.redacted, "kept": after.kept,
                                 "edited": sorted(u.unit.path for u in after.units if u.edited),
                                 "unreviewed": after.unreviewed})
    return after


def _rewrite(before: EntryReview, identity: Identity, texts: dict[str, Any], decisions: dict[str, Any], *,
             typed: dict[str, str]) -> None:
    """Make each text's copy again under `decisions` (in place): from what was typed by hand if it changed,
    else from the earlier hand edit, else from the answer as written."""
    for review in before.units:
        path = review.unit.path
        decided = decisions.get(path, {})
        text = typed.get(path)
        edited = text is not None and not _same(text, review.shown)
        if edited:
            base = text.replace("\r\n", "\n")
        elif review.edited and not review.stale:
            base = review.shown
        else:
            base = review.unit.text
        hits = find_identifying(base, identity)
        shown = redact(base, [h for h in hits if decided.get(h.key, {}).get("action") == "redact"])
        if shown == review.unit.text:
            texts.pop(path, None)
        else:
            texts[path] = {"source": review.unit.text, "text": shown,
                           "edited": edited or (review.edited and not review.stale)}
        if not decided:
            decisions.pop(path, None)


def _with_redaction(entry: _Entry, texts: dict, decisions: dict) -> _Entry:
    redaction = dict(entry.redaction or {})
    redaction.update({"texts": texts, "decisions": decisions})
    return _Entry(id=entry.id, title=entry.title, entity_name=entry.entity_name, tax_code=entry.tax_code,
                  version=entry.version, values=entry.values, team=entry.team, redaction=redaction)


async def _undecided_entries(actor: SessionUser, edition_slug: str, round_code: str):
    """The round, its form's sections, and its entries (locked for this transaction) that still have undecided
    suggestions, each with its review."""
    row = await _organised_round(actor, edition_slug, round_code)
    sections = stored_form(row["edition.application_form"])
    ids = await round_entries(row)
    if ids:
        await db.locked(Application.select(Application.id).where(Application.id.is_in(ids)))
    undecided = [(entry, review) for entry in (await _entries(ids)).values()
                 if (review := _review(entry, sections)).unreviewed]
    return row, sections, undecided


async def redact_remaining(*, actor: SessionUser, edition_slug: str, round_code: str) -> int:
    """Redact every undecided suggestion of the round at once, trusting the detector; returns how many (audited)."""
    now = datetime.now(UTC).isoformat()
    redacted = 0
    touched = []
    async with db.write_transaction():
        row, sections, undecided = await _undecided_entries(actor, edition_slug, round_code)
        for entry, review in undecided:
            identity = identity_of(sections=sections, values=entry.values, entity_name=entry.entity_name,
                                   tax_code=entry.tax_code, team=entry.team)
            stored = entry.redaction or {}
            texts = dict(stored.get("texts") or {})
            decisions = {path: dict(d) for path, d in (stored.get("decisions") or {}).items()
                         if isinstance(d, dict)}
            for unit in review.units:
                for hit in unit.pending:
                    decisions.setdefault(unit.unit.path, {})[hit.key] = {"action": "redact", "by": actor.id,
                                                                          "at": now}
                    redacted += 1
            _rewrite(review, identity, texts, decisions, typed={})
            after = _review(_with_redaction(entry, texts, decisions), sections)
            await _store(entry, after, sections=sections, texts=texts, decisions=decisions, actor_id=actor.id)
            touched.append(entry.id)
        await audit.record("redaction.redacted_remaining", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="round", subject_id=row["id"],
                           data={"round": row["code"], "suggestions": redacted, "entries": touched})
    return redacted


async def accept_remaining(*, actor: SessionUser, edition_slug: str, round_code: str, reason: str) -> int:
    """Keep every undecided suggestion of the round as it is, for a written reason; returns how many.

    The round then opens to its jurors. Each accepted suggestion keeps the reason, and the audit log
    records who accepted how many, in which entries, and why.
    """
    text = reason.strip()
    if not text:
        raise RedactionRefused(_("Write why the remaining suggestions may stay; it goes in the audit log."))
    if len(text) > MAX_REASON:
        raise RedactionRefused(_("A reason can have at most {count} characters.").format(count=MAX_REASON))
    now = datetime.now(UTC).isoformat()
    accepted = 0
    touched = []
    async with db.write_transaction():
        row, sections, undecided = await _undecided_entries(actor, edition_slug, round_code)
        for entry, review in undecided:
            stored = entry.redaction or {}
            texts = dict(stored.get("texts") or {})
            decisions = {path: dict(d) for path, d in (stored.get("decisions") or {}).items()
                         if isinstance(d, dict)}
            for unit in review.units:
                for hit in unit.pending:
                    decisions.setdefault(unit.unit.path, {})[hit.key] = {
                        "action": "keep", "reason": text, "accepted": True, "by": actor.id, "at": now}
                    accepted += 1
                if unit.stale:
                    # The answer changed after a hand edit: the copy as jurors would read it now is accepted.
                    texts[unit.unit.path] = {"source": unit.unit.text, "text": unit.shown, "edited": True}
                    accepted += 1
            after = _review(_with_redaction(entry, texts, decisions), sections)
            await _store(entry, after, sections=sections, texts=texts, decisions=decisions, actor_id=actor.id)
            touched.append(entry.id)
        await audit.record("redaction.accepted", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="round", subject_id=row["id"],
                           data={"round": row["code"], "reason": text, "suggestions": accepted,
                                 "entries": touched})
    return accepted


async def entry_identity(*, application_id: int, sections: list[SectionSpec]) -> Identity:
    """Who this entry could be named by, for text it writes later (an answer to a jury's question, say)."""
    entry = (await _entries([application_id])).get(application_id)
    if entry is None:
        return Identity()
    return identity_of(sections=sections, values=entry.values, entity_name=entry.entity_name,
                       tax_code=entry.tax_code, team=entry.team)


__all__ = [
    "ALWAYS_IDENTIFYING",
    "MASK",
    "EntryNotFound",
    "EntryReview",
    "RedactionInput",
    "RedactionOverview",
    "RedactionRefused",
    "RoundGate",
    "RoundNotFound",
    "TextUnit",
    "UnitReview",
    "accept_remaining",
    "blind_answers",
    "entry_identity",
    "identifying_codes",
    "identity_of",
    "redact_remaining",
    "redaction_entry",
    "redaction_overview",
    "review_units",
    "round_entries",
    "round_gate",
    "save_redaction",
    "shown_values",
    "text_units",
]
