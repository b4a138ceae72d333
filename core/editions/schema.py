"""The competition file: an edition with its tracks, areas, rounds, partners, prizes, timeline and form.

`parse_competition` turns YAML text into a validated `CompetitionSpec` or raises FileProblems
listing every problem with its key path and line; nothing is written until a file is sound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from core.editions.geography import REGIONS
from core.editions.rubrics import rubric_from_mapping, rubric_problems
from core.platform.files_content import accepted_kinds
from core.platform.yaml_source import FileProblems, Problem, YamlDocument, load_yaml

Label = str | dict[str, str]

EDITION_STATUSES = ("draft", "open", "closed", "admissibility", "screening", "finalists", "mentoring",
                    "final_pitch", "winners", "follow_up", "archived")
PARTNER_ROLES = ("lead_promoter", "co_promoter", "sponsor", "financial_partner", "scientific_partner",
                 "incubator", "technical_partner", "media_partner")
ORGANISATION_KINDS = ("foundation", "bank", "incubator", "university", "company", "association",
                      "public_body", "other")
ROUND_KINDS = ("admissibility", "screening", "mentoring", "final_pitch", "special_award", "public_vote")
PRIZE_KINDS = ("cash_grant", "loan_offer", "bank_account", "incubation", "mentorship_package",
               "crowdfunding_support", "special_mention", "audience_award")
QUESTION_TYPES = ("short_text", "long_text", "number", "date", "single_choice", "multiple_choice",
                  "region", "url", "yes_no", "table", "file", "email")
NORMALISATIONS = ("", "none", "zscore", "percentile", "additive", "offset_scale")
LANGUAGES = ("it", "en")


class Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Base of every part of the file: unknown keys are errors, defaults are left out on export."""


class ProgrammeSpec(Spec):
    slug: str
    name: Label


class EditionSpec(Spec):
    slug: str
    year: int
    title: Label
    number: int = 1
    status: str = "draft"
    time_zone: str = "Europe/Rome"
    languages: list[str] = msgspec.field(default_factory=lambda: ["it", "en"])
    regulation_version: str = "1.0"
    summary: Label = msgspec.field(default_factory=dict)
    rules: Label = msgspec.field(default_factory=dict)


class TimelineSpec(Spec):
    code: str
    label: Label
    starts_at: str
    ends_at: str | None = None


class PartnerSpec(Spec):
    organisation: str
    role: str
    kind: str = "other"
    email_domain: str = ""
    website: str = ""


class TrackSpec(Spec):
    code: str
    name: Label
    description: Label = msgspec.field(default_factory=dict)


class AreaSpec(Spec):
    code: str
    name: Label
    regions: list[str]


class EligibilitySpec(Spec):
    legal_forms: list[str] = msgspec.field(default_factory=list)
    max_entity_age_years: int | None = None
    allow_to_be_incorporated: bool = True
    incorporation_deadline_months: int | None = None
    team_majority_under_age: int | None = None
    required_training: Label | None = None
    registered_office_country: str = "IT"
    loan_requires_credit_check: bool = False


class ChoiceSpec(Spec):
    code: str
    label: Label


class ColumnSpec(Spec):
    code: str
    label: Label
    type: str = "short_text"
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


class QuestionSpec(Spec):
    code: str
    type: str
    label: Label
    help: Label = msgspec.field(default_factory=dict)
    required: bool = False
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    choices: list[ChoiceSpec] = msgspec.field(default_factory=list)
    columns: list[ColumnSpec] = msgspec.field(default_factory=list)
    min_rows: int | None = None
    max_rows: int | None = None
    accept: list[str] = msgspec.field(default_factory=list)
    max_mb: float | None = None
    identifying: bool = False


class SectionSpec(Spec):
    code: str
    title: Label
    questions: list[QuestionSpec]
    help: Label = msgspec.field(default_factory=dict)


class StatementSpec(Spec):
    code: str
    text: Label
    version: str = "1.0"


class AnchorSpec(Spec):
    value: float
    label: Label


class CriterionSpec(Spec):
    code: str
    label: Label
    weight: float = 1
    min: float = 1
    max: float = 5
    step: float = 1
    threshold: float | None = None
    counted: bool = True
    required: bool = True
    guidance: Label = msgspec.field(default_factory=dict)
    anchors: list[AnchorSpec] = msgspec.field(default_factory=list)


class RubricSpec(Spec):
    criteria: list[CriterionSpec]
    name: str = ""
    label: Label = msgspec.field(default_factory=dict)
    description: Label = msgspec.field(default_factory=dict)


class RoundSpec(Spec):
    code: str
    name: Label
    kind: str
    workflow: str = ""
    opens_at: str | None = None
    closes_at: str | None = None
    rubric: str | RubricSpec | None = None
    jurors_per_entry: int = 0
    blind: bool = False
    normalisation: str = ""
    advancement: dict[str, Any] = msgspec.field(default_factory=dict)
    combination: dict[str, Any] = msgspec.field(default_factory=dict)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)


class PrizeTargetSpec(Spec):
    track: str | None = None
    area: str | None = None
    rank: int | None = None
    scope: str | None = None
    best_non_winner: bool = False


class PrizeSpec(Spec):
    code: str
    name: Label
    kind: str
    sponsor: str | None = None
    amount_eur: float | None = None
    quantity: int = 1
    target: PrizeTargetSpec = msgspec.field(default_factory=PrizeTargetSpec)
    conditions: list[str] = msgspec.field(default_factory=list)
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class MilestoneSpec(Spec):
    code: str
    name: Label
    due_on: str | None = None


class KpiSpec(Spec):
    code: str
    name: Label
    unit: str = ""


class CompetitionSpec(Spec):
    programme: ProgrammeSpec
    edition: EditionSpec
    tracks: list[TrackSpec]
    timeline: list[TimelineSpec] = msgspec.field(default_factory=list)
    partners: list[PartnerSpec] = msgspec.field(default_factory=list)
    areas: list[AreaSpec] = msgspec.field(default_factory=list)
    eligibility: EligibilitySpec = msgspec.field(default_factory=EligibilitySpec)
    application_form: list[SectionSpec] = msgspec.field(default_factory=list)
    declarations: list[StatementSpec] = msgspec.field(default_factory=list)
    consents: list[StatementSpec] = msgspec.field(default_factory=list)
    rounds: list[RoundSpec] = msgspec.field(default_factory=list)
    prizes: list[PrizeSpec] = msgspec.field(default_factory=list)
    milestones: list[MilestoneSpec] = msgspec.field(default_factory=list)
    kpis: list[KpiSpec] = msgspec.field(default_factory=list)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    plugins: list[str] = msgspec.field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------


def label(value: Label | None) -> dict[str, str]:
    """A translated label as a dict; a plain string stands for every language."""
    if not value:
        return {}
    if isinstance(value, str):
        return {language: value for language in LANGUAGES}
    return dict(value)


def parse_moment(value: str, zone: ZoneInfo) -> datetime:
    """A date or date-time from the file; a date is midnight and a naive time is local to `zone`."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or (len(value) == 10 and "T" not in value):
        day = date.fromisoformat(value)
        moment = datetime.combine(day, time(0, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def parse_competition(text: str, *, source: str = "", known_rubrics: set[str] | None = None,
                      known_workflows: set[str] | None = None) -> CompetitionSpec:
    """The file as a validated spec, or FileProblems naming every bad key with its line."""
    document = load_yaml(text, source=source)
    if not isinstance(document.data, dict):
        raise FileProblems([Problem(path="", reason="expected a mapping with programme, edition and tracks",
                                    line=1)], source=source)
    try:
        spec = msgspec.convert(document.data, CompetitionSpec)
    except msgspec.ValidationError as error:
        message = str(error)
        reason, _, path = message.rpartition(" - at `")
        path = path.rstrip("`") if reason else "$"
        reason = (reason or message).replace("`", "'")
        unknown = re.fullmatch(r"Object contains unknown field '(.+)'", reason)
        if unknown:
            path, reason = f"{path}.{unknown.group(1)}", "unknown key (check the spelling)"
        raise FileProblems([document.problem(path, reason)], source=source) from None
    problems = check_competition(spec, document, known_rubrics=known_rubrics, known_workflows=known_workflows)
    if problems:
        raise FileProblems(problems, source=source)
    return spec


def _unique(items: list, attribute: str, path: str, document: YamlDocument) -> list[Problem]:
    seen: set = set()
    problems = []
    for index, item in enumerate(items):
        value = getattr(item, attribute)
        if value in seen:
            problems.append(document.problem(f"{path}[{index}].{attribute}", f"{value!r} is used twice"))
        seen.add(value)
    return problems


@dataclass
class _Check:
    """What the cross-key checks share: the document (for line numbers), the edition's zone, the problems found."""

    document: YamlDocument
    zone: ZoneInfo
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, reason: str) -> None:
        self.problems.append(self.document.problem(path, reason))

    def moment(self, value: str | None, path: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_moment(value, self.zone)
        except ValueError:
            self.add(path, f"expected a date (2026-03-16) or date-time, got {value!r}")
            return None


def check_competition(spec: CompetitionSpec, document: YamlDocument, *, known_rubrics: set[str] | None,
                      known_workflows: set[str] | None) -> list[Problem]:
    """Rules that span keys: unique codes, references that resolve, dates in order, sound rubrics."""
    check = _edition_check(spec, document)
    _check_codes(check, spec)
    _check_timeline(check, spec)
    organisations = _check_partners(check, spec)
    _check_areas(check, spec)
    _check_form(check, spec)
    area_codes = {a.code for a in spec.areas}
    for index, round_ in enumerate(spec.rounds):
        _check_round(check, round_, f"$.rounds[{index}]", area_codes=area_codes, known_rubrics=known_rubrics,
                     known_workflows=known_workflows)
    for index, prize in enumerate(spec.prizes):
        _check_prize(check, prize, f"$.prizes[{index}]", sponsors=set(organisations),
                     track_codes={t.code for t in spec.tracks}, area_codes=area_codes)
    _check_milestones(check, spec)
    return check.problems


def _edition_check(spec: CompetitionSpec, document: YamlDocument) -> _Check:
    edition = spec.edition
    try:
        check = _Check(document, ZoneInfo(edition.time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        check = _Check(document, ZoneInfo("Europe/Rome"))
        check.add("$.edition.time_zone", f"unknown time zone {edition.time_zone!r}")
    if edition.status not in EDITION_STATUSES:
        check.add("$.edition.status", f"expected one of {', '.join(EDITION_STATUSES)}")
    if not edition.languages or set(edition.languages) - set(LANGUAGES):
        check.add("$.edition.languages", f"expected a list drawn from {', '.join(LANGUAGES)}")
    for slug, path in ((spec.programme.slug, "$.programme.slug"), (edition.slug, "$.edition.slug")):
        if not slug or not slug.replace("-", "").isalnum() or slug != slug.lower():
            check.add(path, "expected lower-case letters, digits and dashes")
    return check


def _check_codes(check: _Check, spec: CompetitionSpec) -> None:
    for path, items in (("$.tracks", spec.tracks), ("$.areas", spec.areas), ("$.rounds", spec.rounds),
                        ("$.prizes", spec.prizes), ("$.timeline", spec.timeline),
                        ("$.milestones", spec.milestones), ("$.kpis", spec.kpis),
                        ("$.declarations", spec.declarations), ("$.consents", spec.consents),
                        ("$.application_form", spec.application_form)):
        check.problems += _unique(items, "code", path, check.document)
    if not spec.tracks:
        check.add("$.tracks", "an edition needs at least one track")


def _check_timeline(check: _Check, spec: CompetitionSpec) -> None:
    for index, entry in enumerate(spec.timeline):
        starts = check.moment(entry.starts_at, f"$.timeline[{index}].starts_at")
        ends = check.moment(entry.ends_at, f"$.timeline[{index}].ends_at")
        if starts and ends and ends < starts:
            check.add(f"$.timeline[{index}].ends_at", "ends before it starts")


def _check_partners(check: _Check, spec: CompetitionSpec) -> dict[str, str]:
    """Partners' roles and kinds; returns each organisation's kind (the prizes' sponsors are among them)."""
    organisations: dict[str, str] = {}
    for index, partner in enumerate(spec.partners):
        if partner.role not in PARTNER_ROLES:
            check.add(f"$.partners[{index}].role", f"expected one of {', '.join(PARTNER_ROLES)}")
        if partner.kind not in ORGANISATION_KINDS:
            check.add(f"$.partners[{index}].kind", f"expected one of {', '.join(ORGANISATION_KINDS)}")
        if organisations.get(partner.organisation, partner.kind) != partner.kind:
            check.add(f"$.partners[{index}].kind", "the same organisation is given two kinds")
        organisations[partner.organisation] = partner.kind
    return organisations


def _check_areas(check: _Check, spec: CompetitionSpec) -> None:
    region_owner: dict[str, str] = {}
    for index, area in enumerate(spec.areas):
        for r_index, region in enumerate(area.regions):
            where = f"$.areas[{index}].regions[{r_index}]"
            if region not in REGIONS:
                check.add(where, f"{region!r} is not an Italian region")
            elif region in region_owner:
                check.add(where, f"{region!r} is already in area {region_owner[region]}")
            region_owner.setdefault(region, area.code)


def _check_form(check: _Check, spec: CompetitionSpec) -> None:
    for s_index, section in enumerate(spec.application_form):
        check.problems += _unique(section.questions, "code", f"$.application_form[{s_index}].questions",
                                  check.document)
        for q_index, question in enumerate(section.questions):
            _check_question(check, question, f"$.application_form[{s_index}].questions[{q_index}]")


def _check_question(check: _Check, question: QuestionSpec, where: str) -> None:
    if question.type not in QUESTION_TYPES:
        check.add(f"{where}.type", f"expected one of {', '.join(QUESTION_TYPES)}")
    if question.type in ("single_choice", "multiple_choice") and not question.choices:
        check.add(f"{where}.choices", "a choice question needs choices")
    if question.type == "table" and not question.columns:
        check.add(f"{where}.columns", "a table question needs columns")
    if question.type == "file":
        try:
            accepted_kinds(question.accept)
        except ValueError as error:
            check.add(f"{where}.accept", str(error))
    if question.max_length is not None and question.max_length <= 0:
        check.add(f"{where}.max_length", "must be positive")


def _check_round(check: _Check, round_: RoundSpec, where: str, *, area_codes: set[str],
                 known_rubrics: set[str] | None, known_workflows: set[str] | None) -> None:
    if round_.kind not in ROUND_KINDS:
        check.add(f"{where}.kind", f"expected one of {', '.join(ROUND_KINDS)}")
    if round_.normalisation not in NORMALISATIONS:
        check.add(f"{where}.normalisation", f"expected one of {', '.join(n for n in NORMALISATIONS if n)}")
    if known_workflows is not None and round_.workflow and round_.workflow not in known_workflows:
        check.add(f"{where}.workflow", f"no installed plugin offers workflow {round_.workflow!r}")
    if round_.jurors_per_entry < 0:
        check.add(f"{where}.jurors_per_entry", "must not be negative")
    opens = check.moment(round_.opens_at, f"{where}.opens_at")
    closes = check.moment(round_.closes_at, f"{where}.closes_at")
    if opens and closes and closes <= opens:
        check.add(f"{where}.closes_at", "closes before it opens")
    _check_round_rubric(check, round_, where, known_rubrics=known_rubrics)
    if "min_per_track" in round_.advancement and not isinstance(round_.advancement["min_per_track"], int):
        check.add(f"{where}.advancement.min_per_track", "expected a whole number")
    for code in round_.advancement.get("min_per_area", {}) or {}:
        if code not in area_codes:
            check.add(f"{where}.advancement.min_per_area", f"unknown area {code!r}")


def _check_round_rubric(check: _Check, round_: RoundSpec, where: str, *, known_rubrics: set[str] | None) -> None:
    """A named rubric must be offered by a plugin; a rubric written in the file must be sound."""
    if isinstance(round_.rubric, str):
        if known_rubrics is not None and round_.rubric not in known_rubrics:
            check.add(f"{where}.rubric", f"no installed plugin offers rubric {round_.rubric!r}")
    elif isinstance(round_.rubric, RubricSpec):
        rubric = rubric_from_mapping(msgspec.to_builtins(round_.rubric), name=round_.rubric.name or round_.code)
        for problem in rubric_problems(rubric):
            check.add(f"{where}.rubric", problem)


def _check_prize(check: _Check, prize: PrizeSpec, where: str, *, sponsors: set[str], track_codes: set[str],
                 area_codes: set[str]) -> None:
    if prize.kind not in PRIZE_KINDS:
        check.add(f"{where}.kind", f"expected one of {', '.join(PRIZE_KINDS)}")
    if prize.sponsor is not None and prize.sponsor not in sponsors:
        check.add(f"{where}.sponsor", f"{prize.sponsor!r} is not among the partners")
    if prize.target.track is not None and prize.target.track not in track_codes:
        check.add(f"{where}.target.track", f"unknown track {prize.target.track!r}")
    if prize.target.area is not None and prize.target.area not in area_codes:
        check.add(f"{where}.target.area", f"unknown area {prize.target.area!r}")
    if prize.target.scope not in (None, "all_winners", "finalists"):
        check.add(f"{where}.target.scope", "expected all_winners or finalists")
    if prize.amount_eur is not None and prize.amount_eur < 0:
        check.add(f"{where}.amount_eur", "must not be negative")
    if prize.quantity < 1:
        check.add(f"{where}.quantity", "must be at least 1")


def _check_milestones(check: _Check, spec: CompetitionSpec) -> None:
    for index, milestone in enumerate(spec.milestones):
        if milestone.due_on is not None:
            try:
                date.fromisoformat(milestone.due_on)
            except ValueError:
                check.add(f"$.milestones[{index}].due_on", "expected a date such as 2026-07-15")
