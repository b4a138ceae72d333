"""The conflict rules every call needs: same organisation, same email domain, a sponsor's own prize, the mentor.

Each rule looks pairs up through an index (organisation, domain, sponsor, mentor), so a round of
20,000 entries and 2,000 jurors costs one pass over each side, not a pass over every pair.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from publicsuffixlist import PublicSuffixList

from core.hookspecs import hookimpl
from core.plugin_api import ConflictEntry, ConflictJuror, DetectedConflict

SAME_ORGANISATION = "same_organisation"
SAME_EMAIL_DOMAIN = "same_email_domain"
SPONSOR_PRIZE = "sponsor_prize"
MENTOR = "mentor"

# Mail providers anyone can sign up with: sharing one says nothing about who you work for.
# A brand matches under any suffix (yahoo.it, yahoo.co.uk, hotmail.fr ...).
WEBMAIL_BRANDS = frozenset({
    "gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "icloud", "aol", "gmx",
    "proton", "protonmail", "yandex", "libero", "virgilio", "tiscali", "alice", "tim", "tin", "fastwebnet",
    "inwind", "iol", "email", "katamail", "supereva",
})
WEBMAIL_DOMAINS = frozenset({
    "me.com", "mac.com", "mail.com", "zoho.com", "web.de",
    # certified mail (PEC) providers: the mailbox says nothing of the holder's organisation
    "pec.it", "legalmail.it", "arubapec.it", "pec.aruba.it", "postecert.it", "pec.poste.it", "pecimprese.it",
    "registerpec.it", "sicurezzapostale.it", "postacertificata.gov.it", "mypec.eu", "cert.legalmail.it",
    "pec.libero.it", "pec.tim.it", "gigapec.it", "cgn.legalmail.it", "pec.buffetti.it", "messaggipec.it",
})


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(domain: str) -> str:
    """The part of a mail domain an organisation registers: mail.unimi.it → unimi.it, x.co.uk stays."""
    domain = domain.strip().strip(".").lower()
    if not domain:
        return ""
    return _suffixes().privatesuffix(domain) or domain


def is_webmail(domain: str) -> bool:
    domain = domain.strip().strip(".").lower()
    labels = domain.split(".")
    if any(".".join(labels[i:]) in WEBMAIL_DOMAINS for i in range(len(labels))):
        return True
    registrable = registrable_domain(domain)
    return bool(registrable) and registrable.split(".")[0] in WEBMAIL_BRANDS


def organisation_key(name: str) -> str:
    """Names compared without case, punctuation or repeated spaces: "ACME s.r.l." is "acme srl"."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", name.casefold())).strip()


@hookimpl(trylast=True)
def giuria_conflict_rules(entries: Sequence[ConflictEntry], jurors: Sequence[ConflictJuror]) -> list[DetectedConflict]:
    by_organisation: dict[str, list[int]] = {}
    by_domain: dict[str, list[int]] = {}
    by_sponsor: dict[str, list[int]] = {}
    juror_ids = set()
    for juror in jurors:
        juror_ids.add(juror.id)
        if key := organisation_key(juror.organisation):
            by_organisation.setdefault(key, []).append(juror.id)
        if juror.email_domain and not is_webmail(juror.email_domain):
            by_domain.setdefault(registrable_domain(juror.email_domain), []).append(juror.id)
        if key := organisation_key(juror.sponsor_organisation):
            by_sponsor.setdefault(key, []).append(juror.id)
    found: list[DetectedConflict] = []
    for entry in entries:
        if key := organisation_key(entry.organisation):
            found.extend(DetectedConflict(entry.id, j, SAME_ORGANISATION, entry.organisation)
                         for j in by_organisation.get(key, ()))
        if entry.email_domain and not is_webmail(entry.email_domain):
            domain = registrable_domain(entry.email_domain)
            found.extend(DetectedConflict(entry.id, j, SAME_EMAIL_DOMAIN, domain) for j in by_domain.get(domain, ()))
        sponsors = {organisation_key(s): s for s in reversed(entry.prize_sponsors)}
        for key, sponsor in sponsors.items():
            found.extend(DetectedConflict(entry.id, j, SPONSOR_PRIZE, sponsor) for j in by_sponsor.get(key, ()))
        found.extend(DetectedConflict(entry.id, m, MENTOR) for m in dict.fromkeys(entry.mentors) if m in juror_ids)
    return found
