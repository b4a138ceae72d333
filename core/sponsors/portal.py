"""The sponsor's portal: its own prizes and reports in the editions it sponsors, and nothing else.

A sponsor user holds a `sponsor` role grant in an edition naming its organisation; every function
here starts from that grant, so another sponsor's prizes, reports and entries are "not found".
Organisers (and admins) may build any sponsor's report of their edition and send it by mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio

from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging import mail
from core.messaging.mail import MailFile
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import format_moment, pick
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Area, Edition, EditionPartner, Prize, RoleGrant, Track
from core.plugin_api import ReportOutput
from core.plugins import active_registry
from core.sponsors.reports import (
    PageChart,
    RenderedTable,
    ReportProblem,
    build_snapshot,
    page_charts,
    report_csv,
    report_pdf,
    report_xlsx,
    run_report,
    tables_of,
)

SPONSOR_AUDIENCES = ("sponsor", "public")
# The edition setting with which organisers share "Did the jury pick well?" (core.mentoring.validity) with sponsors.
VALIDITY_FOR_SPONSORS = "validity_for_sponsors"
FORMAT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

__all__ = ["ReportProblem", "SponsorNotFound"]


class SponsorNotFound(NotFound):
    """No such edition, organisation or report, or not this person's to see: all look the same."""


@dataclass(frozen=True)
class SponsorSeat:
    """One organisation's place in one edition, as the person asking may see it."""

    edition_id: int
    edition_slug: str
    edition_title: dict[str, str]
    edition_status: str
    time_zone: str
    enabled_plugins: tuple[str, ...]
    organisation_id: int
    organisation_name: str


@dataclass(frozen=True)
class ReportLink:
    name: str
    label: dict[str, str]
    description: dict[str, str]
    formats: tuple[str, ...]


@dataclass(frozen=True)
class PrizeLine:
    code: str
    name: dict[str, str]
    kind: str
    amount_eur: float | None
    target: str


@dataclass(frozen=True)
class SponsorHome:
    seat: SponsorSeat
    prizes: list[PrizeLine]
    reports: list[ReportLink]
    validity_shared: bool = False  # the organisers show the sponsors "Did the jury pick well?"


@dataclass(frozen=True)
class BuiltReport:
    seat: SponsorSeat
    name: str
    formats: tuple[str, ...]
    output: ReportOutput
    language: str

    def tables(self) -> list[RenderedTable]:
        return tables_of(self.output, self.language)


async def _seats(actor: SessionUser, edition_slug: str | None = None) -> list[SponsorSeat]:
    query = RoleGrant.select(
        RoleGrant.organisation, RoleGrant.organisation.name, RoleGrant.edition, RoleGrant.edition.slug,
        RoleGrant.edition.title, RoleGrant.edition.status, RoleGrant.edition.time_zone,
        RoleGrant.edition.enabled_plugins,
    ).output(load_json=True).where(RoleGrant.account == actor.id, RoleGrant.role == "sponsor",
                                   RoleGrant.organisation.is_not_null(),
            RoleGrant.edition.is_not_null())
    if edition_slug is not None:
        query = query.where(RoleGrant.edition.slug == edition_slug)
    rows = await query.order_by(RoleGrant.edition.year, ascending=False)
    return [SponsorSeat(edition_id=r["edition"], edition_slug=r["edition.slug"],
                        edition_title=r["edition.title"] or {}, edition_status=r["edition.status"],
                        time_zone=r["edition.time_zone"],
                        enabled_plugins=tuple(r["edition.enabled_plugins"] or ()),
                        organisation_id=r["organisation"], organisation_name=r["organisation.name"]) for r in rows]


async def sponsored_editions(*, actor: SessionUser) -> list[SponsorSeat]:
    """The editions in which this person speaks for a sponsor organisation, newest first."""
    return await _seats(actor)


async def seat_for_sponsor(*, actor: SessionUser, edition_slug: str) -> SponsorSeat:
    seats = await _seats(actor, edition_slug)
    if not seats:
        raise SponsorNotFound(edition_slug)
    return seats[0]


async def seat_for_organiser(*, actor: SessionUser, edition_slug: str, organisation_id: int) -> SponsorSeat:
    """A partner organisation of an edition the actor organises, seen as its sponsor would see it."""
    try:
        await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except EditionNotFound:
        raise SponsorNotFound(edition_slug) from None
    row = await EditionPartner.select(
        EditionPartner.organisation, EditionPartner.organisation.name, EditionPartner.edition,
        EditionPartner.edition.slug, EditionPartner.edition.title, EditionPartner.edition.status,
        EditionPartner.edition.time_zone, EditionPartner.edition.enabled_plugins,
    ).output(load_json=True).where(EditionPartner.edition.slug == edition_slug,
                                   EditionPartner.organisation == organisation_id).first()
    if row is None:
        raise SponsorNotFound(organisation_id)
    return SponsorSeat(edition_id=row["edition"], edition_slug=row["edition.slug"],
                       edition_title=row["edition.title"] or {}, edition_status=row["edition.status"],
                       time_zone=row["edition.time_zone"],
                       enabled_plugins=tuple(row["edition.enabled_plugins"] or ()),
                       organisation_id=row["organisation"], organisation_name=row["organisation.name"])


def _report_links(seat: SponsorSeat, audiences: tuple[str, ...]) -> list[ReportLink]:
    offers = active_registry().report_offers(enabled=seat.enabled_plugins)
    return [ReportLink(name=name, label=offer.report.label, description=offer.report.description,
                       formats=offer.report.formats)
            for name, offer in offers.items() if offer.report.audience in audiences]


async def sponsor_home(*, actor: SessionUser, edition_slug: str) -> SponsorHome:
    """The sponsor's prizes in the edition and the reports it may open."""
    seat = await seat_for_sponsor(actor=actor, edition_slug=edition_slug)
    prizes = await Prize.select(Prize.code, Prize.name, Prize.kind, Prize.amount_eur,
                                Prize.target).output(load_json=True).where(
        Prize.edition == seat.edition_id, Prize.sponsor.organisation == seat.organisation_id).order_by(Prize.position)
    tracks = await Track.select(Track.code, Track.name).output(load_json=True).where(Track.edition == seat.edition_id)
    areas = await Area.select(Area.code, Area.name).output(load_json=True).where(Area.edition == seat.edition_id)
    settings = await Edition.select(Edition.settings).output(load_json=True).where(
        Edition.id == seat.edition_id).first()
    names = {("track", t["code"]): t["name"] or {} for t in tracks}
    names.update({("area", a["code"]): a["name"] or {} for a in areas})
    return SponsorHome(
        seat=seat,
        prizes=[PrizeLine(code=p["code"], name=p["name"] or {}, kind=p["kind"],
                          amount_eur=None if p["amount_eur"] is None else float(p["amount_eur"]),
                          target=target_text(p["target"] or {}, names)) for p in prizes],
        reports=_report_links(seat, SPONSOR_AUDIENCES),
        validity_shared=bool((settings["settings"] or {}).get(VALIDITY_FOR_SPONSORS)),
    )


def target_text(target: dict[str, Any], names: dict[tuple[str, str], dict[str, str]]) -> str:
    """Who can win a prize, in words: its track, area and places, or all winners or finalists."""
    parts = []
    if target.get("track"):
        parts.append(_("track {name}").format(name=pick(names.get(("track", target["track"]))) or target["track"]))
    if target.get("area"):
        parts.append(_("area {name}").format(name=pick(names.get(("area", target["area"]))) or target["area"]))
    if target.get("rank") == 1:
        parts.append(_("the first placed"))
    elif target.get("rank"):
        parts.append(_("the first {places} placed").format(places=target["rank"]))
    if target.get("scope") == "all_winners":
        parts.append(_("every winner"))
    elif target.get("scope") == "finalists":
        parts.append(_("the finalists"))
    return "; ".join(parts) or "—"


async def _build(seat: SponsorSeat, name: str, language: str, audiences: tuple[str, ...]) -> BuiltReport:
    offer = active_registry().report_offers(enabled=seat.enabled_plugins).get(name)
    if offer is None or offer.report.audience not in audiences:
        raise SponsorNotFound(name)
    snapshot = await build_snapshot(edition_id=seat.edition_id, organisation_id=seat.organisation_id,
                                    organisation_name=seat.organisation_name, language=language,
                                    needs=offer.report.needs)
    output = run_report(name, snapshot, enabled=seat.enabled_plugins)
    return BuiltReport(seat=seat, name=name, formats=offer.report.formats, output=output, language=language)


async def sponsor_report(*, actor: SessionUser, edition_slug: str, name: str, language: str) -> BuiltReport:
    """A report for the sponsor's own organisation; ReportProblem if its plugin failed (and is now disabled)."""
    seat = await seat_for_sponsor(actor=actor, edition_slug=edition_slug)
    return await _build(seat, name, language, SPONSOR_AUDIENCES)


async def organiser_report(*, actor: SessionUser, edition_slug: str, organisation_id: int, name: str,
                           language: str) -> BuiltReport:
    """The report as the organisation's sponsor users would get it, for an organiser to check before sending."""
    seat = await seat_for_organiser(actor=actor, edition_slug=edition_slug, organisation_id=organisation_id)
    return await _build(seat, name, language, ("sponsor", "public", "organiser"))


async def report_charts(report: BuiltReport) -> list[PageChart]:
    """Drawing is CPU work: off the event loop."""
    return await anyio.to_thread.run_sync(page_charts, report.output, report.language)


def _subtitle(report: BuiltReport) -> str:
    return f"{pick(report.seat.edition_title, report.language)} · {report.seat.organisation_name}"


async def report_file(report: BuiltReport, fmt: str) -> tuple[bytes, str, str]:
    """The report as (content, media type, file name) in `fmt`: pdf, csv or xlsx."""
    if fmt not in report.formats or fmt not in FORMAT_TYPES:
        raise SponsorNotFound(fmt)
    if fmt == "pdf":
        moment = format_moment(datetime.now(UTC), report.seat.time_zone)
        content = await anyio.to_thread.run_sync(lambda: report_pdf(
            report.output, language=report.language, subtitle=_subtitle(report), footer=f"Giuria · {moment}"))
    elif fmt == "xlsx":
        content = await anyio.to_thread.run_sync(lambda: report_xlsx(report.output, language=report.language))
    else:
        content = report_csv(report.output, language=report.language)
    return content, FORMAT_TYPES[fmt], f"{report.seat.edition_slug}-{report.name}.{fmt}"


# -- the organiser's side: who sponsors what, and sending a report ---------------------------------------


@dataclass(frozen=True)
class SponsorLine:
    organisation_id: int
    name: str
    roles: tuple[str, ...]
    prizes: tuple[dict[str, str], ...]
    users: tuple[str, ...]


@dataclass(frozen=True)
class SponsorsOverview:
    edition_slug: str
    sponsors: list[SponsorLine]
    reports: list[ReportLink]


async def sponsors_overview(*, actor: SessionUser, edition_slug: str) -> SponsorsOverview:
    """The edition's partner organisations with their prizes and sponsor users, for the organiser."""
    try:
        edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except EditionNotFound:
        raise SponsorNotFound(edition_slug) from None
    partners = await EditionPartner.select(EditionPartner.organisation, EditionPartner.organisation.name,
                                           EditionPartner.role).where(
        EditionPartner.edition == edition.id).order_by(EditionPartner.position)
    prizes = await Prize.select(Prize.name, Prize.sponsor.organisation).output(load_json=True).where(
            Prize.edition == edition.id).order_by(
        Prize.position)
    users = await RoleGrant.select(RoleGrant.organisation, RoleGrant.account.email).where(
        RoleGrant.edition == edition.id, RoleGrant.role == "sponsor")
    lines: dict[int, SponsorLine] = {}
    for p in partners:
        organisation = p["organisation"]
        previous = lines.get(organisation)
        lines[organisation] = SponsorLine(
            organisation_id=organisation, name=p["organisation.name"],
            roles=((*previous.roles, p["role"]) if previous else (p["role"],)),
            prizes=tuple(z["name"] or {} for z in prizes if z["sponsor.organisation"] == organisation),
            users=tuple(sorted(u["account.email"] for u in users if u["organisation"] == organisation)))
    enabled = tuple((await Edition.select(Edition.enabled_plugins).output(load_json=True).where(
        Edition.id == edition.id).first())["enabled_plugins"] or ())
    offers = active_registry().report_offers(enabled=enabled)
    reports = [ReportLink(name=n, label=o.report.label, description=o.report.description, formats=o.report.formats)
               for n, o in offers.items() if "pdf" in o.report.formats]
    return SponsorsOverview(edition_slug=edition.slug, sponsors=list(lines.values()), reports=reports)


class NoRecipients(Refused):
    """The organisation has no sponsor users in this edition to send the report to."""

    def __init__(self, organisation_id: int) -> None:
        super().__init__(_("This sponsor has no users in the edition yet: invite someone first."))
        self.organisation_id = organisation_id


async def send_report(*, actor: SessionUser, edition_slug: str, organisation_id: int, name: str, phase: str,
                      base_url: str) -> int:
    """Mail the report as PDF to each sponsor user of the organisation, in their language; returns how many."""
    seat = await seat_for_organiser(actor=actor, edition_slug=edition_slug, organisation_id=organisation_id)
    recipients = await RoleGrant.select(RoleGrant.account.email, RoleGrant.account.locale,
                                        RoleGrant.account.display_name).where(
        RoleGrant.edition == seat.edition_id, RoleGrant.role == "sponsor", RoleGrant.organisation == organisation_id,
        RoleGrant.account.is_active.eq(True))
    if not recipients:
        raise NoRecipients(organisation_id)
    files: dict[str, tuple[bytes, str]] = {}
    for language in sorted({r["account.locale"] or "it" for r in recipients}):
        report = await _build(seat, name, language, ("sponsor", "public", "organiser"))
        content, _type, _filename = await report_file(report, "pdf")
        files[language] = (content, pick(report.output.title, language))
    phase = phase.strip()[:120]
    async with db.write_transaction():
        for r in recipients:
            language = r["account.locale"] or "it"
            content, title = files[language]
            await mail.enqueue_mail(
                to=r["account.email"], template="sponsor/report", language=language, kind="sponsor_report",
                context={"name": r["account.display_name"], "report_title": title, "phase": phase,
                         "organisation": seat.organisation_name,
                         "edition_title": pick(seat.edition_title, language),
                         "portal_link": mail.absolute_url(base_url, f"/sponsor/{seat.edition_slug}")},
                attachments=(MailFile(filename=f"{seat.edition_slug}-{name}.pdf", content_type="application/pdf",
                                      content=content),))
        await audit.record("sponsor_report.sent", actor_id=actor.id, edition_id=seat.edition_id,
                           subject_type="organisation", subject_id=organisation_id,
                           data={"report": name, "phase": phase, "recipients": len(recipients)})
    return len(recipients)
