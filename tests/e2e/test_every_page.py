"""Every page each demo role reaches by following links: no page scrolls sideways on a desktop or on a phone,
axe-core finds no accessibility violation on it, and its visible text shows no raw code of the edition (tracks,
areas, prizes, timeline, criteria, statuses) and no number written in the other language's way (4.67 on an
Italian page, 3,5 on an English one). tests/integration/test_words_not_codes.py reads more pages for the words.

For each role the crawl signs in, starts from the role's home and follows same-origin links breadth first, within
the role's own area (the pages every signed-in person shares, the home page, the account pages and the calls, are the
applicant's area); no downloads, no sign-out. It stays within a few minutes: pages of one kind (the same path but for
an id or an edition) are read once, and each role has a budget of pages. The organiser starts from the console and
the demo edition whose jury is at work, the one with the most to show. Each page is read at 1280 px (sideways scroll
and axe-core), then at 390 px (sideways scroll), in English; the first pages of each role again in Italian, chosen
with the language switch of the page. Every failure is collected and listed at the end, not only the first.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from core.applications import lifecycle
from core.cli.demo import DEMO_LOGINS, DEMO_PASSWORD
from core.plugins import active_registry
from tests.e2e.steps import as_person

pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# Where each role starts, what paths are its own, and how many pages it reads.
STARTS = {"organiser": ("/organise", "/organise/welfare-comunita-2026"), "juror": ("/jury",), "applicant": ("/me",),
          "mentor": ("/mentoring",), "sponsor": ("/sponsor",)}
AREAS = {"organiser": re.compile(r"^/organise(/|$)"), "juror": re.compile(r"^/jury(/|$)"),
         "mentor": re.compile(r"^/mentoring(/|$)"), "sponsor": re.compile(r"^/sponsor(/|$)"),
         "applicant": re.compile(r"^/(me|c|applications)?(/|$)")}
BUDGET = {"organiser": 26, "juror": 8, "applicant": 14, "mentor": 10, "sponsor": 10}
ITALIAN_PAGES_PER_ROLE = 3
# Pages read of one kind: one, but three of the juror's entries, which open on the conflict check until it is done
# and on the scoring form after it.
SAME_KIND = {"juror": 3}
# Files rather than pages, and links that leave the person's pages or act.
SKIPPED = re.compile(r"\.(pdf|csv|xlsx|ics|zip|eml|png|svg|json|yaml|yml|xml|txt)(\?|$)|"
                     r"/(download|downloads|files|attachments|logout|api|dev|static|schema)(/|$)|"
                     r"/exports/[^/]+\.|/reports/[^/]+/[^/]+$", re.IGNORECASE)
WIDTH = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
LINKS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"
# The text a reader sees: identifiers shown as such (<code>) and scripts left out.
VISIBLE_TEXT = """() => { const copy = document.body.cloneNode(true);
  copy.querySelectorAll('code, script, style, template, textarea, [hidden]').forEach(e => e.remove());
  return copy.textContent.replace(/\\s+/g, ' '); }"""


def login_for(role: str):
    return next(login for login in DEMO_LOGINS if login.role == role
                and (role != "applicant" or login.email.startswith("candidato001")))


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.wait_for_load_state()


def switch_language(page, code: str) -> None:
    page.locator(f'.language-switch button[value="{code}"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code


def kind(path: str) -> str:
    """A page's kind: its path with ids and edition slugs made alike and without its query (a filter, a page of a
    long table), e.g. /jury/assignments/# or /organise/*/rounds/R1/results."""
    path = re.sub(r"/\d+(?=/|$)", "/#", path.split("?")[0])
    return re.sub(r"^/(organise|sponsor|mentoring|c)/[^/?]+", r"/\1/*", path)


def same_origin_pages(page, base: str) -> list[str]:
    found = []
    for href in page.evaluate(LINKS):
        url = urldefrag(href)[0]
        if url.startswith(base + "/") and not SKIPPED.search(urlsplit(url).path):
            found.append(url[len(base):])
    return found


def demo_codes(data_dir) -> set[str]:
    """The codes a person must never read: the demo's tracks, areas, prizes, timeline, criteria and statuses."""
    with sqlite3.connect(data_dir / "giuria.sqlite3") as database:
        codes = {code for (code,) in database.execute(
            "SELECT code FROM track UNION SELECT code FROM area UNION SELECT code FROM prize "
            "UNION SELECT code FROM timeline_entry")}
        rubrics = {name for (name,) in database.execute("SELECT DISTINCT rubric_name FROM round")}
    registry = active_registry()
    codes |= {c.code for name in rubrics if name for c in registry.find_rubric(name).criteria}
    codes |= {value for name, value in vars(lifecycle).items() if name.isupper() and isinstance(value, str)}
    return {code for code in codes if not re.fullmatch(r"[a-z]+", code)}  # "mentoring" is also a word


def words(page, where: str, language: str, codes: set[str], problems: list[str]) -> None:
    text = page.evaluate(VISIBLE_TEXT)
    found = [code for code in sorted(codes) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    # 20.000 groups thousands; 4.67 is an English decimal; "Chrome/120.0" (a session's browser) is a version
    if language == "it":
        found += re.findall(r"(?<![\w.,/])\d+\.(?:\d{1,2}|\d{4,})(?![\w.])", text)
    else:
        found += re.findall(r"(?<![\w.,/])\d+,(?:\d{1,2}|\d{4,})(?![\w,])", text)
    if found:
        problems.append(f"{where}: shows {found[:8]}")


def sideways(page, where: str, problems: list[str]) -> None:
    scroll, width = page.evaluate(WIDTH)
    if scroll > width:
        problems.append(f"{where}: scrolls sideways at {width} px ({scroll} px wide)")


def check(page, axe, path: str, label: str, problems: list[str], codes: set[str] = frozenset()) -> bool:
    """The page at `path`, at desktop width (sideways scroll, axe-core) and then at phone width (sideways scroll);
    False when it is not an HTML page to read."""
    page.set_viewport_size(DESKTOP)
    try:
        response = page.goto(page.context.base + path)
    except PlaywrightError as error:
        if "Download is starting" in str(error):  # a file behind a link without an extension
            return False
        raise
    if response is None or response.status >= 400:
        problems.append(f"{label} {path}: answered {response.status if response else 'nothing'}")
        return False
    if not response.headers.get("content-type", "").startswith("text/html"):
        return False
    sideways(page, f"{label} {path}", problems)
    words(page, f"{label} {path}", label.rsplit(" ", 1)[-1], codes, problems)
    results = axe.run(page)
    for violation in results.response["violations"]:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        problems.append(f"{label} {path}: axe {violation['id']} ({violation['impact']}) at {targets}")
    page.set_viewport_size(PHONE)
    sideways(page, f"{label} {path}", problems)
    page.set_viewport_size(DESKTOP)
    return True


@pytest.mark.timeout(600)
@pytest.mark.parametrize("role", list(STARTS))
def test_no_page_scrolls_sideways_or_fails_axe(live_server, browser, role):
    from axe_playwright_python.sync_playwright import Axe

    axe, base, problems = Axe(), live_server.url, []
    codes = demo_codes(live_server.data_dir)
    assert {"AGR", "NORD", "IMP"} <= codes
    login = login_for(role)
    with as_person(browser) as page:
        page.context.base = base
        sign_in(page, base, login.email)
        first_language = page.locator("html").get_attribute("lang")
        switch_language(page, "en")
        queue, visited = deque(STARTS[role]), []
        kinds = Counter(kind(path) for path in STARTS[role])
        while queue and len(visited) < BUDGET[role]:
            path = queue.popleft()
            if not check(page, axe, path, f"{role} en", problems, codes):
                continue
            visited.append(path)
            for link in same_origin_pages(page, base):
                if AREAS[role].match(link) and link not in queue and link not in visited \
                        and kinds[kind(link)] < SAME_KIND.get(role, 1):
                    kinds[kind(link)] += 1
                    queue.append(link)
        switch_language(page, "it")
        for path in visited[:ITALIAN_PAGES_PER_ROLE]:
            check(page, axe, path, f"{role} it", problems, codes)
        switch_language(page, first_language)  # the account's language as the other tests expect it
    assert len(visited) >= 2, f"{role}: the crawl found no page beyond {visited}"
    print(f"{role}: {len(visited)} pages read: {', '.join(visited)}")
    assert not problems, f"{len(problems)} problems on {len(visited)} pages:\n" + "\n".join(problems)
