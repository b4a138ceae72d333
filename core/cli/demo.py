"""Demo data: the example edition played forward to its mentoring path, and next year's call open.

The 2026 edition's online jury has closed and its finalists were published and matched with mentors
through the same services the organiser's, jurors', mentors' and finalists' pages call; the 2027 call
has submitted applications and jurors who accepted their invitations and set their profiles.
Everything is generated from a fixed seed, so two demo databases are identical apart from
dates, which follow today so that the mentoring path is always under way when someone looks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from core.applications import lifecycle, submission
from core.cli import demo_calibrate, demo_fairness, demo_validity
from core.cli.demo_feedback import demo_feedback
from core.cli.demo_redress import load_redress_demo
from core.editions import access
from core.editions.competitions import import_competition, read_competition_file
from core.editions.schema import CompetitionSpec, parse_moment
from core.judging import assignments, bids, redaction
from core.judging import rounds as judging_rounds
from core.mentoring import matching, milestones, sessions
from core.people import accounts, invitations
from core.platform import db
from core.platform.passwords import hash_password
from core.platform.settings import Settings, load_settings
from core.platform.tables import (
    Account,
    Application,
    Area,
    Assignment,
    CriterionScore,
    Decision,
    Edition,
    EditionPartner,
    Invitation,
    JurorProfile,
    MentorProfile,
    MilestoneSubmission,
    Organisation,
    Review,
    RoleGrant,
    Round,
    TeamMember,
    Track,
)
from core.results import advancement

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml"
DEMO_PASSWORD = "giuria-demo-2026"  # noqa: S105 - printed for everyone to use; demo only
DEMO_DOMAIN = "giuria.example"
SEED = 2017
APPLICATIONS = 150


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str = DEMO_PASSWORD


DEMO_LOGINS = (
    DemoLogin("admin", f"admin@{DEMO_DOMAIN}"),
    DemoLogin("organiser", f"organiser@{DEMO_DOMAIN}"),
    DemoLogin("juror", "giulia.ferri@fondazione-aurora.example"),
    DemoLogin("sponsor", "sponsor@fondazione-aurora.example"),
    DemoLogin("sponsor", "sponsor@fondazione-radici.example"),
    DemoLogin("mentor", "mentor@incubatore-nord.example"),
    DemoLogin("applicant", f"applicant@{DEMO_DOMAIN}"),  # a draft in the open 2027 call
    DemoLogin("applicant", f"candidato001@{DEMO_DOMAIN}"),  # a 2026 finalist, on the mentoring path
)
# The 2027 call's jurors (indexes into JURORS): invited by the organiser, they accepted and set their profile.
NEXT_JURORS = {0: (["AGR", "SPW"], "4"), 1: (["PAT", "WCI"], "4"), 2: (["SPW", "WCI"], "3"),
               3: (["AGR", "PAT"], "3"), 4: (["SPW"], "4"), 5: (["WCI", "AGR"], "3")}

JURORS = (
    ("Giulia Ferri", "fondazione-aurora.example"), ("Marco Bellini", "fondazione-radici.example"),
    ("Chiara Esposito", "pontesud.example"), ("Luca Moretti", "bancacomunita.example"),
    ("Francesca Galli", "cses.example"), ("Andrea Conti", "incubatore-nord.example"),
    ("Sara Rinaldi", "incubatore-ovest.example"), ("Davide Marino", "incubatore-sud.example"),
    ("Elena Greco", "orizzonte-digitale.example"), ("Paolo Fontana", "fondazione-aurora.example"),
    ("Valentina Costa", "fondazione-radici.example"), ("Stefano Caruso", "pontesud.example"),
    ("Martina Lombardi", "cses.example"), ("Alessandro Ricci", "incubatore-nord.example"),
    ("Silvia De Luca", "incubatore-sud.example"),
)
FIRST_NAMES = ("Anna", "Luca", "Giorgia", "Matteo", "Sofia", "Lorenzo", "Alice", "Tommaso", "Aurora", "Pietro",
               "Beatrice", "Simone", "Noemi", "Federico", "Irene", "Gabriele", "Ilaria", "Nicola")
LAST_NAMES = ("Russo", "Romano", "Colombo", "Bruno", "Gallo", "Mancini", "Leone", "Longo", "Gentile",
              "Martinelli", "Vitale", "Serra", "Coppola", "Farina", "Sanna", "Pellegrini", "Barbieri")
NAME_PARTS = (("Orti", "Rete", "Trame", "Radici", "Ponti", "Semi", "Officina", "Casa", "Fili", "Cortile",
               "Borgo", "Comunità", "Filiera", "Bottega", "Mani"),
              ("Solidali", "Aperti", "in Comune", "Sociali", "Condivisi", "di Quartiere", "Inclusivi",
               "Diffusi", "Vicini", "Futuri", "Creativi", "Riuniti"))
TITLES = {
    "AGR": ("Orti terapeutici per l'inserimento lavorativo", "Filiera corta con agricoltori fragili",
            "Fattoria sociale per giovani NEET", "Apicoltura di comunità"),
    "PAT": ("Borghi accessibili con guide sorde", "Restauro partecipato di chiese rurali",
            "Cammini nelle aree interne", "Museo diffuso dei mestieri"),
    "WCI": ("Teatro in carcere", "Biblioteche di quartiere aperte la sera", "Musica per l'Alzheimer",
            "Laboratori d'arte per adolescenti"),
    "SPW": ("Badanti di condominio", "Trasporto sociale a chiamata", "Portierato di quartiere",
            "Assistenza domiciliare con app per caregiver", "Mense solidali contro lo spreco"),
}
LEGAL_FORMS = ("associazione", "aps", "odv", "cooperativa_sociale", "impresa_sociale",
               "startup_innovativa_vocazione_sociale", "societa_benefit", "da_costituire")
# The demo's mentors (the first is the demo login): five with 3 places each, for the example's 12 finalists.
MENTORS = (
    ("mentor@incubatore-nord.example", "Monica Mentore", "Incubatore Nord – Milano (demo)", ["AGR", "SPW"],
     ["business_plan", "impact_measurement", "fundraising"], "Martedì e giovedì pomeriggio, a Milano oppure online.",
     "Quindici anni di accompagnamento a cooperative e imprese sociali."),
    ("roberto.sala@incubatore-ovest.example", "Roberto Sala", "Incubatore Ovest – Torino (demo)", ["PAT", "WCI"],
     ["legal_form", "governance"], "Lunedì mattina, a Torino oppure online.",
     "Avvocato, segue la nascita di cooperative di comunità e fondazioni di partecipazione."),
    ("irene.villa@incubatore-sud.example", "Irene Villa", "Incubatore Sud – Napoli (demo)", ["SPW", "WCI"],
     ["marketing", "impact_measurement"], "Mercoledì, a Napoli oppure online.",
     "Ha guidato la comunicazione di tre imprese sociali del Mezzogiorno."),
    ("tommaso.neri@orizzonte-digitale.example", "Tommaso Neri", "Orizzonte Digitale (demo)", ["AGR", "PAT"],
     ["technology", "business_plan"], "Venerdì, online.",
     "Ingegnere, aiuta le startup a scegliere e costruire i loro strumenti digitali."),
    ("laura.bassi@bancacomunita.example", "Laura Bassi", "Banca di Comunità (demo)", ["SPW", "PAT"],
     ["fundraising", "governance"], "Giovedì mattina, online.",
     "Analista di credito per il terzo settore, segue piani finanziari e raccolta di capitali."),
)
MENTORING_DAYS = 24  # how far into its mentoring path the 2026 edition is
TRACK_WEIGHTS = {"AGR": 3, "PAT": 3, "WCI": 3, "SPW": 5}
AREA_WEIGHTS = {"NORD": 45, "CENTRO": 18, "SUD": 37}


def rebase(spec: CompetitionSpec, *, anchor_code: str, anchor_at: datetime, slug: str | None = None,
           year: int | None = None, status: str | None = None) -> CompetitionSpec:
    """Move every date of the edition by the same amount, so `anchor_code` starts at `anchor_at`."""
    zone = ZoneInfo(spec.edition.time_zone)
    anchor = next(t for t in spec.timeline if t.code == anchor_code)
    delta = anchor_at - parse_moment(anchor.starts_at, zone)

    def move(value: str | None) -> str | None:
        return None if value is None else (parse_moment(value, zone) + delta).astimezone(zone).isoformat()

    replace = msgspec.structs.replace
    edition = spec.edition
    title = dict(edition.title) if isinstance(edition.title, dict) else {"it": edition.title}
    if year is not None:
        title = {k: v.replace(str(edition.year), str(year)) for k, v in title.items()}
    return replace(
        spec,
        edition=replace(edition, slug=slug or edition.slug, year=year or edition.year,
                        number=edition.number + ((year or edition.year) - edition.year),
                        status=status or edition.status, title=title),
        timeline=[replace(t, starts_at=move(t.starts_at), ends_at=move(t.ends_at)) for t in spec.timeline],
        rounds=[replace(r, opens_at=move(r.opens_at), closes_at=move(r.closes_at)) for r in spec.rounds],
        milestones=[replace(m, due_on=(date.fromisoformat(m.due_on) + timedelta(days=delta.days)).isoformat()
                            if m.due_on else None) for m in spec.milestones],
    )


async def database_is_empty() -> bool:
    return not await Edition.exists()


async def load_demo(*, now: datetime | None = None, settings: Settings | None = None) -> list[DemoLogin]:
    """Create the demo editions, people, applications and scores; returns the logins to print."""
    now = now or datetime.now(UTC)
    settings = settings or load_settings()
    rng = random.Random(SEED)
    base = read_competition_file(EXAMPLE_FILE.read_text(encoding="utf-8"), source=str(EXAMPLE_FILE))
    current = rebase(base, anchor_code="mentoring", anchor_at=now - timedelta(days=MENTORING_DAYS),
                     status="mentoring")
    following = rebase(base, anchor_code="call_open", anchor_at=now - timedelta(days=10),
                       slug=base.edition.slug.replace(str(base.edition.year), str(base.edition.year + 1)),
                       year=base.edition.year + 1, status="open")
    current_id = await import_competition(current)
    following_id = await import_competition(following)
    zone = ZoneInfo(current.edition.time_zone)
    moments = {t.code: parse_moment(t.starts_at, zone) for t in current.timeline}

    password_hash = await hash_password(DEMO_PASSWORD)
    people = await _create_people(password_hash=password_hash, edition_ids=[current_id],
                                  slugs=[current.edition.slug, following.edition.slug])
    await _create_applications(rng=rng, edition_id=current_id, password_hash=password_hash, moments=moments)
    await _start_draft(edition_id=following_id, applicant_id=people["applicant"][0])
    await _submit_next_call(slug=following.edition.slug, settings=settings, password_hash=password_hash,
                            now=now)
    await _judge(rng=rng, edition_id=current_id, juror_ids=people["jurors"], moments=moments)
    await demo_calibrate.show_calibration(edition_id=current_id, organiser_id=people["organiser"][0],
                                          at=moments["online_jury"])
    organiser = await accounts.load_session_user(people["organiser"][0], 0)
    assert organiser is not None
    # The online jury is blind: the organiser has already redacted the names applicants wrote in their answers.
    await redaction.redact_remaining(actor=organiser, edition_slug=current.edition.slug, round_code="R1")
    await _publish_finalists(organiser=organiser, slug=current.edition.slug, settings=settings,
                             at=moments["finalists_announced"])
    await demo_feedback(organiser=organiser, slug=current.edition.slug, edition_id=current_id, settings=settings,
                        at=moments["finalists_announced"])
    await load_redress_demo(organiser=organiser, edition_slug=current.edition.slug, base_url=settings.base_url)
    await _offer_mentoring(edition_id=current_id, mentor_id=people["mentor"])
    await _mentoring_path(organiser=organiser, slug=current.edition.slug, edition_id=current_id,
                          settings=settings, start=moments["mentoring"], now=now)
    await demo_validity.add_follow_up(organiser=organiser, slug=current.edition.slug, edition_id=current_id, base=base,
                                      rebase=rebase, mentoring_days=MENTORING_DAYS, password_hash=password_hash,
                                      load_user=lambda account_id: accounts.load_session_user(account_id, 0), now=now)
    # After the 2025 edition exists: some of this year's applicants had entered it too.
    await demo_fairness.add_fairness_data(base=base, edition_id=current_id, now=now, rebase=rebase)
    await _invite_next_jurors(organiser=organiser, slug=following.edition.slug, juror_ids=people["jurors"],
                              settings=settings, now=now)
    return list(DEMO_LOGINS)


async def _account(email: str, name: str, password_hash: str, *, is_admin: bool = False) -> int:
    return (await Account.insert(Account(
        email=email, password_hash=password_hash, display_name=name, locale="it", is_admin=is_admin,
        email_verified_at=datetime.now(UTC))))[0]["id"]


async def _create_people(*, password_hash: str, edition_ids: list[int], slugs: list[str]) -> dict[str, list[int]]:
    organisations = {row["email_domain"]: row["id"] for row in await Organisation.select(
        Organisation.id, Organisation.email_domain)}
    async with db.write_transaction():
        await _account(f"admin@{DEMO_DOMAIN}", "Amministratrice Demo", password_hash, is_admin=True)
        organiser = await _account(f"organiser@{DEMO_DOMAIN}", "Olga Organizzatrice", password_hash)
        sponsor = await _account("sponsor@fondazione-aurora.example", "Sergio Sponsor", password_hash)
        second_sponsor = await _account("sponsor@fondazione-radici.example", "Rita Sponsor", password_hash)
        mentors = [await _account(email, name, password_hash) for email, name, *_rest in MENTORS]
        applicant = await _account(f"applicant@{DEMO_DOMAIN}", "Arianna Candidata", password_hash)
        jurors = []
        tracks = list(TRACK_WEIGHTS)
        for index, (full_name, domain) in enumerate(JURORS):
            local = full_name.lower().replace(" ", ".").replace("'", "")
            juror_id = await _account(f"{local}@{domain}", full_name, password_hash)
            jurors.append(juror_id)
            await RoleGrant.insert(RoleGrant(account=juror_id, edition=edition_ids[0], role="juror",
                                             organisation=organisations.get(domain)))
            # two tracks of expertise each, so that every track has experts for the assignment engine
            await JurorProfile.insert(JurorProfile(
                edition=edition_ids[0], juror=juror_id,
                tracks=[tracks[index % len(tracks)], tracks[(index + 1) % len(tracks)]]))
    for slug in slugs:
        await access.grant_role(account_id=organiser, role="organiser", edition_slug=slug)
        await access.grant_role(account_id=sponsor, role="sponsor", edition_slug=slug,
                                  organisation_id=organisations.get("fondazione-aurora.example"))
        await access.grant_role(account_id=second_sponsor, role="sponsor", edition_slug=slug,
                                  organisation_id=organisations.get("fondazione-radici.example"))
        await access.grant_role(account_id=mentors[0], role="mentor", edition_slug=slug,
                                  organisation_id=organisations.get("incubatore-nord.example"))
    for (email, *_rest), mentor in zip(MENTORS[1:], mentors[1:], strict=True):
        await access.grant_role(account_id=mentor, role="mentor", edition_slug=slugs[0],
                                  organisation_id=organisations.get(email.split("@")[1]))
    return {"jurors": jurors, "mentor": mentors, "organiser": [organiser], "applicant": [applicant]}


async def _start_draft(*, edition_id: int, applicant_id: int) -> None:
    """The demo applicant's draft in the open call, half filled in, so the applicant's pages have something."""
    track = await Track.select(Track.id).where(Track.edition == edition_id).order_by(Track.position).first()
    async with db.write_transaction():
        await Application.insert(Application(
            edition=edition_id, applicant=applicant_id, track=track["id"], entity_name="Orti Aperti APS",
            answers={"values": {"entity_name": "Orti Aperti APS", "legal_form": "aps"}, "invalid": {}}))
        await RoleGrant.insert(RoleGrant(account=applicant_id, edition=edition_id, role="applicant"))


# Applications submitted to the open call through the applicants' own services, ready for the admissibility check.
NEXT_CALL = (("Cortile Aperto APS", "AGR", "aps", "Orti di cortile per anziani soli"),
             ("Bottega Vicina Cooperativa Sociale", "SPW", "cooperativa_sociale", "Spesa a domicilio di quartiere"),
             ("Fili Riuniti Impresa Sociale", "WCI", "impresa_sociale", "Sartoria sociale con le detenute"),
             ("Borgo Diffuso APS", "PAT", "aps", "Accoglienza nei borghi delle aree interne"),
             ("Semi Futuri Cooperativa Sociale", "AGR", "cooperativa_sociale", "Vivaio con giovani NEET"),
             ("Ponti di Quartiere OdV", "SPW", "odv", "Portierato sociale nei caseggiati popolari"))
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def _submit_next_call(*, slug: str, settings: Settings, password_hash: str, now: datetime) -> None:
    """Six applicants of the open call fill in, upload and submit as the applicant's pages do (same services)."""
    for number, (entity, track, legal_form, title) in enumerate(NEXT_CALL, start=1):
        account_id = await _account(f"candidato2027-{number:02d}@{DEMO_DOMAIN}", f"{FIRST_NAMES[number]} "
                                    f"{LAST_NAMES[number]}", password_hash)
        user = await accounts.load_session_user(account_id, 0)
        application_id = await submission.start_application(user=user, edition_slug=slug, track_code=track,
                                                              now=now)
        for section, data in _answers(number, entity, legal_form, title).items():
            outcome = await submission.save_section(user=user, application_id=application_id, section_code=section,
                                                    data=data, now=now)
            if outcome.errors:
                raise RuntimeError(f"the demo's answers for {section} are refused: {outcome.errors}")
        await submission.upload_attachment(settings=settings, user=user, application_id=application_id,
                                           field="pitch_deck", filename="pitch.pdf", stream=_chunks(DEMO_PDF), now=now)
        view = await submission.own_application(user=user, application_id=application_id)
        await submission.submit_application(user=user, application_id=application_id,
                                            declarations={d.code for d in view.declarations}, consents=set(),
                                            base_url=settings.base_url, now=now)


async def _chunks(data: bytes):
    yield data


def _answers(number: int, entity: str, legal_form: str, title: str) -> dict[str, dict[str, list[str]]]:
    person = f"{FIRST_NAMES[number]} {LAST_NAMES[number]}"
    return {
        "entity": {"entity_name": [entity], "legal_form": [legal_form], "tax_code": [f"9712345{number:04d}"],
                   "founded_on": ["2024-02-10"], "region": ["Puglia"], "website": ["demo.example"],
                   "training_completed": ["yes"]},
        "team": {"members.0.name": [person], "members.0.role": ["Presidente"], "members.0.age": ["31"],
                 "members.1.name": [f"{FIRST_NAMES[number + 1]} {LAST_NAMES[number + 1]}"], "members.1.age": ["28"],
                 "contact_email": [f"candidato2027-{number:02d}@{DEMO_DOMAIN}"]},
        "project": {
            "title": [title], "abstract": [f"{title}: un progetto di {entity} per la comunità locale."],
            "social_need": ["Isolamento e povertà educativa."], "solution": ["Una rete di vicinato."],
            "technology": ["Un'app di prenotazione."], "network": ["Comune, parrocchie e scuole."],
            "theory_of_change": ["Dalla solitudine alla comunità."],
            "kpis.0.name": ["Persone raggiunte"], "kpis.0.baseline": ["0"], "kpis.0.target": ["60"],
            "kpis.1.name": ["Volontari"], "kpis.1.baseline": ["5"], "kpis.1.target": ["30"],
            "kpis.2.name": ["Ore di servizio"], "kpis.2.baseline": ["0"], "kpis.2.target": ["1500"],
            "jobs_planned": ["3"], "jobs_disadvantaged": ["1"], "business_model": ["Convenzioni e quote."],
            "stage": ["prototype"], "scalability": ["Altri quartieri."], "use_of_prize": ["Formazione e mezzi."],
        },
    }


async def _offer_mentoring(*, edition_id: int, mentor_id: list[int]) -> None:
    """The demo mentors' profiles for the current edition, ready for the finalists once they are chosen."""
    async with db.write_transaction():
        for account, (_email, _name, organisation, tracks, topics, availability, bio) in zip(
                mentor_id, MENTORS, strict=True):
            await MentorProfile.insert(MentorProfile(
                edition=edition_id, account=account, organisation_name=organisation, tracks=tracks, topics=topics,
                capacity=3, availability=availability, bio=bio))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


async def _create_applications(*, rng: random.Random, edition_id: int, password_hash: str,
                               moments: dict[str, datetime]) -> None:
    tracks = {t["code"]: t["id"] for t in await Track.select(Track.id, Track.code).where(Track.edition == edition_id)}
    areas = {a["code"]: (a["id"], a["regions"]) for a in await Area.select(
        Area.id, Area.code, Area.regions).output(load_json=True).where(Area.edition == edition_id)}
    rounds = {r["code"]: r["id"] for r in await Round.select(Round.id, Round.code).where(Round.edition == edition_id)}
    used_names: set[str] = set()
    async with db.write_transaction():
        for number in range(1, APPLICATIONS + 1):
            track = _weighted(rng, TRACK_WEIGHTS)
            area = _weighted(rng, AREA_WEIGHTS)
            area_id, regions = areas[area]
            while (name := f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])}") in used_names:
                pass
            used_names.add(name)
            legal_form = rng.choice(LEGAL_FORMS)
            applicant = await _account(f"candidato{number:03d}@{DEMO_DOMAIN}", f"{rng.choice(FIRST_NAMES)} "
                                       f"{rng.choice(LAST_NAMES)}", password_hash)
            submitted_at = moments["call_close"] - timedelta(days=rng.randint(1, 37), minutes=rng.randint(0, 1440))
            title = rng.choice(TITLES[track])
            admissible = rng.random() < 0.42 or number == 1  # the demo login's application is in the jury
            application_id = (await Application.insert(Application(
                edition=edition_id, applicant=applicant, track=tracks[track], area=area_id, entity_name=name,
                legal_form=legal_form, to_be_incorporated=legal_form == "da_costituire",
                founded_on=None if legal_form == "da_costituire" else date(rng.randint(2021, 2025),
                                                                             rng.randint(1, 12), 1),
                region=rng.choice(regions), title=title,
                answers={"title": title, "abstract": f"{title}: un progetto di {name} per la comunità locale.",
                         "stage": rng.choice(["idea", "proof_of_concept", "prototype", "on_market"]),
                         "jobs_planned": rng.randint(1, 8)},
                status=lifecycle.IN_ROUND if admissible else lifecycle.NOT_ADMISSIBLE,
                receipt_number=f"WC26-{number:05d}", submitted_at=submitted_at,
            )))[0]["id"]
            await TeamMember.insert(*(
                TeamMember(application=application_id, full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                           role="Fondatore" if i == 0 else "Socio", birth_year=rng.randint(1975, 2003),
                           gender=rng.choice(["f", "m", "f", "m", ""]), position=i)
                for i in range(rng.randint(2, 5))))
            await Decision.insert(Decision(
                round=rounds["R0"], application=application_id,
                outcome=lifecycle.ADMISSIBLE if admissible else lifecycle.NOT_ADMISSIBLE,
                reason="" if admissible else rng.choice(["Forma giuridica non ammessa",
                                                          "Documenti obbligatori mancanti",
                                                          "Ente costituito da più di cinque anni"]),
                published_at=moments["online_jury"] - timedelta(hours=12)))


async def _judge(*, rng: random.Random, edition_id: int, juror_ids: list[int], moments: dict[str, datetime]
                 ) -> None:
    """Three jurors per admissible entry from the assignment engine (no conflicts, experts first, balanced loads);
    every review in before the online jury closed."""
    screening = await Round.select(Round.id, Round.jurors_per_entry).where(
        Round.edition == edition_id, Round.code == "R1").first()
    entries = await Application.select(Application.id).where(
        Application.edition == edition_id, Application.status == lifecycle.IN_ROUND).order_by(Application.id)
    partners = await EditionPartner.select(EditionPartner.id).where(EditionPartner.edition == edition_id)
    assert partners, "the demo edition has partners"
    k = screening["jurors_per_entry"]
    quality = {e["id"]: rng.gauss(3.2, 0.7) for e in entries}
    quality[entries[0]["id"]] = 4.8  # the demo login's application: among the finalists
    leniency = {j: rng.gauss(0, 0.45) for j in juror_ids}
    criteria = ("IMP", "INN", "SOS", "TEA", "RET")
    weights = (30, 20, 20, 15, 15)
    pairs = await assignments.engine_pairs(round_id=screening["id"],
                                           options=assignments.AssignmentOptions(per_entry=k, expert_per_entry=True))
    panels: dict[int, list[assignments.ProposedPair]] = {}
    for pair in pairs:
        panels.setdefault(pair.entry, []).append(pair)
    async with db.write_transaction():
        for entry in entries:
            for pair in panels[entry["id"]]:
                juror = pair.juror
                assignment_id = (await Assignment.insert(Assignment(
                    round=screening["id"], application=entry["id"], juror=juror, origin="engine",
                    affinity=pair.affinity, status="assigned")))[0]["id"]
                values = [min(5, max(1, round(quality[entry["id"]] + leniency[juror] + rng.gauss(0, 0.6))))
                          for _ in criteria]
                total = sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
                review_id = (await Review.insert(Review(
                    assignment=assignment_id, status="submitted", total=total,
                    submitted_at=moments["online_jury"] + timedelta(hours=rng.randint(2, 500)),
                    overall_comment="Proposta solida, da approfondire la sostenibilità.",
                )))[0]["id"]
                await Assignment.update({Assignment.status: "submitted",
                                         Assignment.conflict_checked_at: moments["online_jury"]}).where(
                    Assignment.id == assignment_id)
                await CriterionScore.insert(*(
                    CriterionScore(review=review_id, criterion=code, value=float(value))
                    for code, value in zip(criteria, values, strict=True)))


async def _publish_finalists(*, organiser, slug: str, settings: Settings, at: datetime) -> None:
    """The organiser closes the online jury's scoring, stages the advancement rule's proposal and publishes it,
    as on the round's results and confirmation pages: the top entries become finalists, the others are told."""
    await judging_rounds.close_scoring(actor=organiser, edition_slug=slug, round_code="R1")
    await advancement.stage_decisions(actor=organiser, edition_slug=slug, round_code="R1", settings=settings,
                                      choices={}, reasons={})
    await advancement.publish_decisions(actor=organiser, edition_slug=slug, round_code="R1", settings=settings,
                                        now=at)


SESSION_NOTES = ("Rivisto il modello di ricavi: tre convenzioni possibili con i Comuni.",
                 "Definiti gli indicatori d'impatto e come raccoglierli ogni mese.",
                 "Ripassato il pitch: meno storia, più numeri sui beneficiari.")


async def _mentoring_path(*, organiser, slug: str, edition_id: int, settings: Settings, start: datetime,
                          now: datetime) -> None:
    """Matching proposed and confirmed by the organiser; each mentor held a first session with each mentee and
    planned the next; the first milestone delivered by most finalists, some already approved by their mentor."""
    await matching.propose_matches(actor=organiser, edition_slug=slug)
    await matching.confirm_matches(actor=organiser, edition_slug=slug)
    zone = ZoneInfo("Europe/Rome")
    matches = await matching.edition_matches(edition_id)
    users: dict[int, accounts.SessionUser] = {}

    async def user(account_id: int):
        if account_id not in users:
            users[account_id] = await accounts.load_session_user(account_id, 0)
        return users[account_id]

    owners = {r["id"]: r["applicant"] for r in await Application.select(Application.id, Application.applicant).where(
        Application.id.is_in([m.application_id for m in matches] or [-1]))}
    for index, match in enumerate(sorted(matches, key=lambda m: m.application_id)):
        mentor = await user(match.mentor_id)
        held = (start + timedelta(days=3 + index % 7)).astimezone(zone)
        first = sessions.SessionInput(day=held.date().isoformat(), start="15:00", duration_minutes="90", mode="online",
                                      location=f"https://meet.giuria.example/incontro-{match.id}",
                                      agenda="Primo incontro: obiettivi.")
        session_id, errors = await sessions.schedule_session(actor=mentor, match_id=match.id, data=first)
        if errors or session_id is None:
            raise RuntimeError(f"the demo's first session is refused: {errors}")
        recorded = await sessions.record_session(actor=mentor, session_id=session_id, data=sessions.RecordInput(
            outcome="held", notes=SESSION_NOTES[index % len(SESSION_NOTES)], mentor_present=True,
            startup_present=True, items=[
                {"text": "Aggiornare il piano economico", "owner": "startup",
                 "due_on": (held.date() + timedelta(days=14)).isoformat(), "done": "1" if index % 2 else ""},
                {"text": "Presentare due contatti di fondazioni", "owner": "mentor", "due_on": "", "done": ""}]))
        if recorded:
            raise RuntimeError(f"the demo's session record is refused: {recorded}")
        later = (now + timedelta(days=5 + index % 9)).astimezone(zone)
        await sessions.schedule_session(actor=mentor, match_id=match.id, data=sessions.SessionInput(
            day=later.date().isoformat(), start="10:30", duration_minutes="60", mode="in_person",
            location="Sede dell'incubatore", agenda="Piano economico e indicatori."))
        if index % 4 == 3:
            continue  # not delivered yet: the reminders and the dashboards have someone to show
        startup = await user(owners[match.application_id])
        await milestones.submit_milestone(settings=settings, actor=startup, application_id=match.application_id,
                                          code="M1", filename="business-plan.pdf", stream=_chunks(DEMO_PDF),
                                          note="Prima versione del piano.")
        if index % 2 == 0:
            submission_id = (await MilestoneSubmission.select(MilestoneSubmission.id).where(
                MilestoneSubmission.application == match.application_id,
                MilestoneSubmission.milestone.code == "M1").first())["id"]
            await milestones.review_milestone(actor=mentor, submission_id=submission_id, verdict="approved",
                                              comment="Chiaro e completo.")


async def _invite_next_jurors(*, organiser, slug: str, juror_ids: list[int], settings: Settings,
                              now: datetime) -> None:
    """The organiser invites six of last year's jurors to the 2027 call from the people page; each accepts
    through the mailed link while signed in and declares tracks and capacity on the profile page."""
    chosen = {juror_ids[index]: profile for index, profile in NEXT_JURORS.items()}
    emails = {row["id"]: row["email"] for row in await Account.select(Account.id, Account.email).where(
        Account.id.is_in(list(chosen)))}
    outcome = await invitations.invite(settings=settings, actor=organiser, edition_slug=slug, now=now,
                                       form=invitations.InviteForm(emails="\n".join(emails.values()), role="juror"))
    if outcome.errors:
        raise RuntimeError(f"the demo's invitations are refused: {outcome.errors}")
    for juror_id, (tracks, capacity) in chosen.items():
        invitation = await Invitation.select(Invitation.id, Invitation.nonce).where(
            Invitation.email == emails[juror_id], Invitation.role == "juror",
            Invitation.edition.slug == slug).first()
        juror = await accounts.load_session_user(juror_id, 0)
        await invitations.accept_invitation(settings=settings, user=juror, now=now,
                                            token=invitations.link_token(settings, invitation["id"],
                                                                         invitation["nonce"]))
        await bids.set_own_profile(juror=juror, edition_slug=slug, tracks=tracks, capacity=capacity)
