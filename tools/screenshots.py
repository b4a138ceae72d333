"""Screenshots of the demo for the docs: the organiser's dashboard, the leaderboard, the juror's review on a phone
and a sponsor's report, at 1280 px (desktop) and 390 px (phone), into docs/screenshots/.

Usage: .venv/bin/python tools/screenshots.py [--port 8123] [--out docs/screenshots] [--language en]

It loads the demo into a throw-away data directory, serves it on the port, signs in as each demo person in
Chromium (Playwright; GIURIA_CHROMIUM names the browser, else /usr/bin/chromium) and writes one PNG per page and
width. Nothing of an existing installation is read or changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.cli.demo import DEMO_LOGINS, DEMO_PASSWORD  # noqa: E402 - the repository's own package, found above

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
EDITION = "welfare-comunita-2026"  # the demo edition whose online jury is at work


def email_of(role: str, starts: str = "") -> str:
    return next(login.email for login in DEMO_LOGINS if login.role == role and login.email.startswith(starts))


def serve(port: int, data_dir: Path) -> subprocess.Popen:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use: choose a free one with --port")
    env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": "screenshots-" + "k" * 40}
    env.pop("GIURIA_DATABASE_URL", None)
    env.pop("GIURIA_BASE_URL", None)
    subprocess.run([sys.executable, "-m", "core", "demo", "--no-serve"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen([sys.executable, "-m", "core", "serve", "--host", "127.0.0.1", "--port", str(port)],  # noqa: S603
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the demo server did not start") from None
            time.sleep(0.3)


def signed_in(browser, base: str, email: str, language: str):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.wait_for_load_state()
    page.locator(f'.language-switch button[value="{language}"]').click()
    page.wait_for_load_state()
    return page


def shoot(page, url: str, out: Path, name: str, widths: tuple[str, ...] = ("desktop", "phone")) -> None:
    for width in widths:
        page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
        page.goto(url)
        # A phone shot is its first screens, what a person sees without scrolling far; a desktop one the whole page.
        if width == "phone":
            height = min(page.evaluate("document.scrollingElement.scrollHeight"), PHONE["height"] * 2)
            page.screenshot(path=str(out / f"{name}-{width}.png"), clip={"x": 0, "y": 0, "width": PHONE["width"],
                                                                         "height": height}, full_page=True)
        else:
            page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
        print(f"{out / f'{name}-{width}.png'}")


def first_review(page, base: str) -> str:
    """The first of the demo juror's assignments that opens on its scoring form (conflict check already done)."""
    page.goto(f"{base}/jury")
    for href in page.evaluate("Array.from(document.querySelectorAll('a[href^=\"/jury/assignments/\"]'), a => "
                              "a.getAttribute('href'))"):
        page.goto(base + href)
        if page.locator(".scoring").count():
            return base + href
    raise SystemExit("the demo juror has no assignment with a scoring form")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", default="en", choices=("en", "it"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("GIURIA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="giuria-screenshots-") as data_dir:
        server = serve(args.port, Path(data_dir))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                organiser = signed_in(browser, base, email_of("organiser"), args.language)
                shoot(organiser, f"{base}/organise/{EDITION}", args.out, "organiser-dashboard")
                shoot(organiser, f"{base}/organise/{EDITION}/rounds/R1/results", args.out, "leaderboard")
                juror = signed_in(browser, base, email_of("juror"), args.language)
                shoot(juror, first_review(juror, base), args.out, "juror-review", widths=("phone",))
                sponsor = signed_in(browser, base, email_of("sponsor"), args.language)
                shoot(sponsor, f"{base}/sponsor/{EDITION}/reports/funnel", args.out, "sponsor-report")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
