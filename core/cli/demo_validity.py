"""Demo data for "Did the jury pick well?": the 2026 finalists' first follow-up, and the 2025 edition's whole year.

The 2026 finalists set their KPIs' baseline and target and report two values through the startup's own page;
their first milestone came in around its due date, some of it late. The 2025 edition of the same programme
was judged by an online jury that chose 12 finalists, who then reported a year of KPIs quarter by quarter and
delivered three milestones, not always on time: the page pools it with 2026. How much the finalists grew
follows the jury's scores only loosely, as it does in life. Everything comes from a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.applications import lifecycle
from core.editions import access
from core.editions.competitions import import_competition
from core.editions.schema import CompetitionSpec
from core.mentoring import kpis, validity
from core.platform import db
from core.platform.identity import SessionUser
from core.platform.tables import (
    Account,
    Application,
    Area,
    Assignment,
    CriterionScore,
    Decision,
    KpiDefinition,
    KpiValue,
    Milestone,
    MilestoneSubmission,
    Review,
    RoleGrant,
    Round,
    Track,
)
from scoring.validity import standardise

SEED = 2025
EARLIER_ENTRIES = 30
EARLIER_FINALISTS = 12
EARLIER_WINNERS = 3
# How strongly later growth follows the jury's view, against everything else that happens to a young enterprise.
SIGNAL = 0.45
# Days from the due date each delivered first milestone of 2026 came in (negative: early), by finalist.
M1_OFFSETS = (-6, -2, 3, -4, -1, 5, -3, -8, 1, -2, -5, 2)
CRITERIA = (("IMP", 30), ("INN", 20), ("SOS", 20), ("TEA", 15), ("RET", 15))
ENTITIES = (
    "Cooperativa Il Melograno", "APS Ponte d'Arte", "Orti di Quartiere ETS", "Impresa sociale Filo Rosso",
    "Cooperativa La Tessitura", "Fondazione Casa Aperta", "APS Radio Borgo", "Cooperativa Terre Alte",
    "Laboratorio Mani in Pasta", "Associazione Nonni in Rete", "Cooperativa Sentieri", "ODV Mensa Solidale",
    "Impresa sociale Seconda Vita", "APS Biblioteca Viva", "Cooperativa Agricola Valle Verde", "Società benefit Lume",
    "Cooperativa Bici per Tutti", "APS Musica Insieme", "Cooperativa Il Faro", "ETS Dopo di Noi",
    "Cooperativa Pane e Lavoro", "APS Spazio Giovani", "Impresa sociale Ricuciamo", "Cooperativa Montagna Viva",
    "APS Teatro di Comunità", "Cooperativa Cura Domestica", "ODV Farmacia Sospesa", "Cooperativa Riciclo Creativo",
    "APS Piazza Aperta", "Impresa sociale Fila Corta",
)
TITLES = (
    "Portierato di comunità", "Orti sociali per l'inserimento lavorativo", "Sartoria con donne migranti",
    "Trasporto solidale per anziani", "Bottega del riuso", "Co-housing per giovani caregiver",
    "Mensa di quartiere a filiera corta", "Laboratori digitali per over 65", "Turismo lento nelle aree interne",
    "Doposcuola diffuso", "Panificio sociale", "Riparazione di biciclette con detenuti",
)
# Each KPI's starting range and how it grows: "count" adds units, "ratio" multiplies, "amount" adds euros.
KPI_START = {"fte_created": (1.0, 4.0, "count"), "of_which_disadvantaged": (0.0, 2.0, "count"),
             "beneficiaries_reached": (80.0, 600.0, "ratio"), "revenue_eur": (20000.0, 180000.0, "ratio"),
             "external_funding_eur": (0.0, 20000.0, "amount"), "network_partners": (2.0, 8.0, "count")}


def _local(day: date, zone: ZoneInfo, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _kpi_path(rng: random.Random, code: str, push: float, steps: int) -> tuple[float, float, list[float]]:
    """Baseline, target and `steps` reported values of one KPI for one finalist; `push` is how well it went."""
    low, high, growth = KPI_START.get(code, (1.0, 10.0, "count"))
    if growth == "ratio":
        base = float(round(rng.uniform(low, high), -1 if high < 1000 else -3))
        final = base * max(0.7, 1.35 + 0.35 * push + rng.gauss(0, 0.15))
        target = float(round(base * 1.5, -1 if high < 1000 else -3))
    elif growth == "amount":
        base = float(round(rng.uniform(low, high), -3))
        final = base + max(0.0, 15000 + 12000 * push + rng.gauss(0, 5000))
        target = base + 30000
    else:
        base = float(rng.randint(int(low), int(high)))
        final = max(0.0, base + round(1.5 + 1.2 * push + rng.gauss(0, 0.6)))
        target = base + 2
    values = [base + (final - base) * (i + 1) / steps for i in range(steps)]
    rounded = [round(v * 2) / 2 if growth == "count" else float(round(v, -1 if high < 1000 else -2)) for v in values]
    return base, target, rounded


async def _pushes(rng: random.Random, totals: dict[int, float]) -> dict[int, float]:
    """How well each finalist did: partly what the jury saw (standardised), mostly everything else."""
    ids = sorted(totals)
    return {i: SIGNAL * z + rng.gauss(0, 1) for i, z in zip(ids, standardise([totals[i] for i in ids]), strict=True)}


async def _mean_totals(edition_id: int, application_ids: list[int]) -> dict[int, float]:
    rows = await Review.select(Review.total, Review.assignment.application).where(
        Review.assignment.round.edition == edition_id, Review.assignment.application.is_in(application_ids or [-1]),
        Review.status == "submitted")
    sums: dict[int, list[float]] = {}
    for r in rows:
        if r["total"] is not None:
            sums.setdefault(r["assignment.application"], []).append(r["total"])
    return {a: sum(v) / len(v) for a, v in sums.items()}


async def _follow_current(*, rng: random.Random, edition_id: int, load_user: Callable, now: datetime) -> None:
    """2026: each finalist's KPI plan and two reports through its own page; the first milestone's deliveries
    dated around the due date (the upload service stamps the real clock, the demo the story's)."""
    finalists = await Application.select(Application.id, Application.applicant).where(
        Application.edition == edition_id, Application.status == lifecycle.FINALIST).order_by(Application.id)
    zone = ZoneInfo("Europe/Rome")
    today = now.astimezone(zone).date()
    m1 = await Milestone.select(Milestone.id, Milestone.due_on).where(Milestone.edition == edition_id,
                                                                       Milestone.code == "M1").first()
    pushes = await _pushes(rng, await _mean_totals(edition_id, [f["id"] for f in finalists]))
    first_period = (today.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    periods = [first_period, today - timedelta(days=2)]
    for index, finalist in enumerate(finalists):
        startup: SessionUser = await load_user(finalist["applicant"])
        plan, reports = {}, []
        for code in KPI_START:
            base, target, values = _kpi_path(rng, code, pushes.get(finalist["id"], 0.0), steps=8)
            plan[code] = {"baseline": f"{base:g}".replace(".", ","), "target": f"{target:g}".replace(".", ",")}
            reports.extend((code, period, value) for period, value in zip(periods, values[:2], strict=True))
        errors = await kpis.save_plan(actor=startup, application_id=finalist["id"], plan=plan)
        if errors:
            raise RuntimeError(f"the demo's KPI plan is refused: {errors}")
        for code, period, value in reports:
            errors = await kpis.report_value(actor=startup, application_id=finalist["id"], code=code,
                                             period_end=period.isoformat(), value=value,
                                             note="Dato dal gestionale dei servizi." if code ==
                                             "beneficiaries_reached" else "")
            if errors:
                raise RuntimeError(f"the demo's KPI report is refused: {errors}")
        if m1 and m1["due_on"]:
            when = _local(m1["due_on"] + timedelta(days=M1_OFFSETS[index % len(M1_OFFSETS)]), zone)
            await MilestoneSubmission.update({MilestoneSubmission.submitted_at: min(when, now - timedelta(hours=2))}
                                             ).where(MilestoneSubmission.application == finalist["id"],
                                                     MilestoneSubmission.milestone == m1["id"],
                                                     MilestoneSubmission.status != "planned")


async def _earlier_edition(*, rng: random.Random, spec: CompetitionSpec, password_hash: str, now: datetime) -> None:
    """2025: an online jury of three per entry chose 12 finalists from 30; a year of milestones and quarterly KPIs."""
    edition_id = await import_competition(spec)
    zone = ZoneInfo(spec.edition.time_zone)
    tracks = [t["id"] for t in await Track.select(Track.id).where(Track.edition == edition_id).order_by(Track.id)]
    areas = [a["id"] for a in await Area.select(Area.id).where(Area.edition == edition_id).order_by(Area.id)]
    rounds = {r["code"]: r for r in await Round.select(Round.id, Round.code, Round.closes_at).where(
        Round.edition == edition_id)}
    jurors = sorted({r["account"] for r in await RoleGrant.select(RoleGrant.account).where(
        RoleGrant.role == "juror", RoleGrant.edition.slug == spec.edition.slug.replace("2025", "2026"))})
    closed = rounds["R1"]["closes_at"]
    milestones = await Milestone.select(Milestone.id, Milestone.due_on).where(
        Milestone.edition == edition_id).order_by(Milestone.due_on)
    kpi_ids = {k["code"]: k["id"] for k in await KpiDefinition.select(KpiDefinition.id, KpiDefinition.code).where(
        KpiDefinition.edition == edition_id)}
    async with db.write_transaction():
        entries = []
        for number, name in enumerate(ENTITIES[:EARLIER_ENTRIES], start=1):
            owner = (await Account.insert(Account(
                email=f"candidato2025-{number:02d}@giuria.example", password_hash=password_hash, locale="it",
                display_name=name, email_verified_at=closed)))[0]["id"]
            app_id = (await Application.insert(Application(
                edition=edition_id, applicant=owner, track=tracks[number % len(tracks)],
                area=areas[number % len(areas)], entity_name=name, title=TITLES[number % len(TITLES)],
                status=lifecycle.NOT_ADVANCED, receipt_number=f"WC25-{number:05d}",
                submitted_at=closed - timedelta(days=40 + number))))[0]["id"]
            entries.append((app_id, owner))
        quality = {app_id: rng.gauss(3.2, 0.7) for app_id, _owner in entries}
        leniency = {j: rng.gauss(0, 0.4) for j in jurors}
        totals: dict[int, float] = {}
        for index, (app_id, _owner) in enumerate(entries):
            panel = [jurors[(index + k * 5) % len(jurors)] for k in range(3)] if jurors else []
            for juror in panel:
                assignment_id = (await Assignment.insert(Assignment(
                    round=rounds["R1"]["id"], application=app_id, juror=juror, origin="engine",
                    status="submitted", conflict_checked_at=closed - timedelta(days=20))))[0]["id"]
                values = [min(5, max(1, round(quality[app_id] + leniency[juror] + rng.gauss(0, 0.6))))
                          for _code, _weight in CRITERIA]
                total = sum(v * w for v, (_c, w) in zip(values, CRITERIA, strict=True)) / 100
                totals.setdefault(app_id, 0.0)
                totals[app_id] += total / len(panel)
                review_id = (await Review.insert(Review(
                    assignment=assignment_id, status="submitted", total=total,
                    submitted_at=closed - timedelta(days=rng.randint(1, 18)),
                    overall_comment="Idea chiara; va rafforzato il piano di sostenibilità.")))[0]["id"]
                await CriterionScore.insert(*(CriterionScore(review=review_id, criterion=code, value=float(v))
                                              for (code, _w), v in zip(CRITERIA, values, strict=True)))
        chosen = sorted(totals, key=lambda a: -totals[a])[:EARLIER_FINALISTS]
        published = closed + timedelta(days=5)
        for app_id, _owner in entries:
            finalist = app_id in chosen
            await Decision.insert(Decision(round=rounds["R1"]["id"], application=app_id,
                                           outcome=lifecycle.FINALIST if finalist else lifecycle.NOT_ADVANCED,
                                           staged_at=published - timedelta(days=1), published_at=published))
            if finalist:
                status = lifecycle.WINNER if chosen.index(app_id) < EARLIER_WINNERS else lifecycle.NOT_WINNER
                await Application.update({Application.status: status}).where(Application.id == app_id)
        owners = dict(entries)
        pushes = await _pushes(rng, {a: totals[a] for a in chosen})
        start = min(m["due_on"] for m in milestones) - timedelta(days=23) if milestones else now.date()
        quarters = [start + timedelta(days=91 * (q + 1)) for q in range(4)]
        for app_id in sorted(chosen):
            push = pushes[app_id]
            for m in milestones:
                late = rng.random() < 0.45 - 0.15 * push
                offset = rng.randint(1, 12) if late else -rng.randint(0, 9)
                when = _local(m["due_on"] + timedelta(days=offset), zone)
                await MilestoneSubmission.insert(MilestoneSubmission(
                    milestone=m["id"], application=app_id, status="approved", submitted_at=when,
                    reviewed_at=when + timedelta(days=3), updated_at=when + timedelta(days=3),
                    note="Consegna della tappa.", comment="Approvata."))
            for code, kpi_id in kpi_ids.items():
                base, target, values = _kpi_path(rng, code, push, steps=4)
                planned = _local(start, zone)
                rows = [KpiValue(application=app_id, kpi=kpi_id, kind=kind, value=value, reported_at=planned,
                                 reported_by=owners[app_id]) for kind, value in (("baseline", base),
                                                                                 ("target", target))]
                rows += [KpiValue(application=app_id, kpi=kpi_id, kind=kpis.REPORTED, value=value, period_end=end,
                                  reported_at=_local(end + timedelta(days=10), zone), reported_by=owners[app_id])
                         for end, value in zip(quarters, values, strict=True)]
                await KpiValue.insert(*rows)


async def add_follow_up(*, organiser: SessionUser, slug: str, edition_id: int, base: CompetitionSpec,
                        rebase: Callable[..., CompetitionSpec], mentoring_days: int, password_hash: str,
                        load_user: Callable, now: datetime) -> None:
    """The 2026 follow-up so far, the 2025 edition with its year of follow-up, and the page shared with sponsors."""
    rng = random.Random(SEED)
    await _follow_current(rng=rng, edition_id=edition_id, load_user=load_user, now=now)
    earlier = rebase(base, anchor_code="mentoring", anchor_at=now - timedelta(days=mentoring_days + 364),
                     slug=base.edition.slug.replace(str(base.edition.year), str(base.edition.year - 1)),
                     year=base.edition.year - 1, status="follow_up")
    await _earlier_edition(rng=rng, spec=earlier, password_hash=password_hash, now=now)
    # The same organiser ran last year's edition, and reads its own year of follow-up there.
    await access.grant_role(account_id=organiser.id, role="organiser", edition_slug=earlier.edition.slug)
    await validity.share_with_sponsors(actor=organiser, edition_slug=slug, shared=True)
