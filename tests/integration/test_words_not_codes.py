"""Every page a demo role reaches shows words, not codes, and numbers in the reader's language (issue 16).

Each demo login crawls the pages reachable by same-origin links from its home, in Italian and in English,
and the test fails listing every page whose visible text shows a raw code of the edition (a track, area,
criterion, prize, status or timeline code as a whole word), a number with a decimal point on an Italian
page ("4.67") or a decimal comma on an English page ("3,5"). The crawl runs on SQLite only: it checks
what templates print, which does not depend on the engine, and PostgreSQL would double its minutes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from core.applications import lifecycle
from core.cli.demo import DEMO_LOGINS, load_demo
from core.messaging import templates as mail_templates
from core.platform.tables import (
    Area,
    AuditEvent,
    ConsentRecord,
    Edition,
    OutgoingMail,
    Prize,
    Round,
    TimelineEntry,
    Track,
)
from core.plugins import active_registry
from tests.conftest import run, sign_in

# Pages that are files, or that act when visited, or that sign out.
SKIPPED = re.compile(r"/(logout|download|downloads|export|exports/\w+|files?|attachments?|uploads?|api|static"
                     r"|outbox/\d+/raw)(/|$)|[./](pdf|csv|xlsx|ics|zip|eml|json)$")
PAGES_PER_SHAPE = 1  # /applications/1 stands for /applications/2: the same template, other data
PAGES_PER_ROLE = 150


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, scripts, styles or <code>; form values are attributes, so never seen."""

    HIDDEN = {"script", "style", "code", "template", "textarea"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href and "download" not in dict(attrs):
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _read(html: str) -> tuple[str, list[str]]:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.links


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def edition_codes() -> set[str]:
    """Codes of the demo: tracks, areas, prizes, criteria, timeline, statuses, audit actions, mail kinds, consents."""
    codes: set[str] = set()
    for table in (Track, Area, Prize, TimelineEntry):
        codes |= {row["code"] for row in run(table.select(table.code))}
    registry = active_registry()
    for row in run(Round.select(Round.rubric_name).where(Round.rubric_name != "")):
        rubric = registry.find_rubric(row["rubric_name"])
        codes |= {criterion.code for criterion in rubric.criteria}
    statuses = {value for name, value in vars(lifecycle).items() if name.isupper() and isinstance(value, str)}
    statuses |= {row["status"] for row in run(Edition.select(Edition.status))}
    codes |= statuses
    # What the platform records by name: audit actions, mail kinds and templates, consents.
    codes |= {row["action"] for row in run(AuditEvent.select(AuditEvent.action).distinct())}
    codes |= {row["kind"] for row in run(OutgoingMail.select(OutgoingMail.kind).distinct())}
    codes |= set(mail_templates.BY_TEMPLATE)
    codes |= {row["code"] for row in run(ConsentRecord.select(ConsentRecord.code).distinct())}
    # A code that is a plain lowercase word ("mentoring", "workshop") may be that word in a sentence.
    return {code for code in codes if not re.fullmatch(r"[a-z]+", code)}


def crawl(client, language: str) -> dict[str, str]:
    """The visible text of each page reachable from /me by same-origin links, a few of each shape."""
    client.cookies.set("giuria_lang", language)
    seen_shapes: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = ["/me", "/"]
    while queue and len(pages) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in pages or SKIPPED.search(path) or seen_shapes.get(_shape(path), 0) >= PAGES_PER_SHAPE:
            continue
        seen_shapes[_shape(path)] = seen_shapes.get(_shape(path), 0) + 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            pages[path] = ""
            continue
        text, links = _read(response.text)
        pages[path] = text
        for link in links:
            parts = urlsplit(urljoin("http://testserver" + path, link))
            if parts.netloc == "testserver" and parts.path not in pages:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def problems_on(text: str, *, language: str, codes: set[str]) -> list[str]:
    found = [code for code in sorted(codes) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    if language == "it":
        # 20.000 groups thousands; 4.67 or 3.5 is an English decimal.
        found += re.findall(r"(?<![\w.,])\d+\.(?:\d{1,2}|\d{4,})(?![\w.])", text)
    else:
        found += re.findall(r"(?<![\w.,])\d+,(?:\d{1,2}|\d{4,})(?![\w,])", text)
    return found


@pytest.mark.timeout(900)  # about a minute on an idle machine; CI runners are shared
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_every_page_of_every_demo_role_shows_words_and_local_numbers(settings, client):
    run(load_demo(now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), settings=settings))
    codes = edition_codes()
    assert {"AGR", "NORD", "IMP", "P-NORD", "call_open", "in_round", "application.submitted",
            "application/receipt"} <= codes
    failures: list[str] = []
    visited = 0
    for login in DEMO_LOGINS:
        for language in ("it", "en"):
            client.cookies.clear()
            assert sign_in(client, login.email, login.password).status_code == 302
            for path, text in crawl(client, language).items():
                visited += 1
                if problems := problems_on(text, language=language, codes=codes):
                    failures.append(f"{login.email} [{language}] {path}: {sorted(set(problems))}")
    assert visited > 50
    assert not failures, f"{len(failures)} pages show codes or foreign numbers:\n" + "\n".join(failures)
