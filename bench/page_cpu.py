"""CPU per request of the hot pages, measured in-process, beside the (b) reference app measured the same way.

Where `hot_paths.py` drives real servers with wrk (a figure the other programs on the machine move), this
script loads the demo into a temporary database (SQLite, or a throw-away PostgreSQL database with
`--engine postgres`, see `postgres_databases.py`), builds the app, signs the demo applicant in, and sends
`--requests` GETs per path through `httpx.AsyncClient(transport=httpx.ASGITransport(app))`, timing them with
`time.process_time`: the CPU this process spent, the app's and the client's together. The (b) reference
(`REFERENCE_APP` of `hot_paths.py`) and a bare ASGI callable, which costs only the client, run the same way in
the same process; "net" is a figure less the bare callable's, so the "of (b)" column compares what the two
servers spend. The median of `--rounds` interleaved rounds is shown, and the statements each path runs.

    python bench/page_cpu.py [--engine sqlite|postgres] [--requests 300] [--rounds 3]
    python bench/page_cpu.py --profile review   # cProfile of one path (landing, section, home, review), top functions
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hot_paths import JUROR, REFERENCE_APP, open_jury_for_the_juror
from bench.postgres_databases import drop_postgres_database, make_postgres_database
from bench.statement_count import StatementCount
from core.cli.demo import DEMO_PASSWORD, load_demo
from core.platform import db
from core.platform.settings import load_settings

BASE = "http://testserver.local"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
APPLICANT = "applicant@giuria.example"
LANDING = "/c/welfare-comunita-2026"


async def bare_asgi(scope, receive, send) -> None:
    """The cheapest ASGI answer: what the client alone costs per request."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"<!doctype html><title>bare</title><p>bare"})


async def timed(client: httpx.AsyncClient, path: str, requests: int, *, anonymous: bool) -> float:
    """CPU ms per GET of `path`; an anonymous reader sends no cookie, as wrk does on the landing page."""
    for _ in range(10):  # warm-up
        await get(client, path, anonymous=anonymous)
    started = time.process_time()
    for _ in range(requests):
        await get(client, path, anonymous=anonymous)
    return (time.process_time() - started) * 1000 / requests


async def get(client: httpx.AsyncClient, path: str, *, anonymous: bool) -> httpx.Response:
    if anonymous:
        client.cookies.clear()
    response = await client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    return response


async def applicant_section(client: httpx.AsyncClient) -> str:
    """Sign the demo applicant in and return the path of their draft's "project" section (as hot_paths.py)."""
    await signed_in(client, APPLICANT)
    opened = await client.get("/c/welfare-comunita-2027/apply")
    if opened.is_redirect:
        application = opened.headers["location"]
    else:
        token = CSRF.search(opened.text).group(1)
        started = await client.post("/c/welfare-comunita-2027/apply", data={"track": "AGR", "_csrf_token": token})
        application = started.headers["location"]
    return f"{application}/sections/project"


async def signed_in(client: httpx.AsyncClient, email: str) -> None:
    token = CSRF.search((await client.get("/login")).text).group(1)
    await client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "_csrf_token": token})


async def measure(args, environ: dict[str, str], review_path: str) -> None:
    from web.app import create_app

    # A module of its own: Litestar reads the handlers' annotations in their module's namespace.
    module = sys.modules.setdefault("bench_reference_app", types.ModuleType("bench_reference_app"))
    exec(compile(REFERENCE_APP, "reference.py", "exec"), module.__dict__)  # noqa: S102 - our own bench source
    reference = module.app
    app = create_app(load_settings(environ))
    async with app.lifespan(), reference.lifespan():
        giuria = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE)
        anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE)
        juror = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE)
        await signed_in(juror, JUROR)
        ref_client = httpx.AsyncClient(transport=httpx.ASGITransport(reference), base_url=BASE)
        bare = httpx.AsyncClient(transport=httpx.ASGITransport(bare_asgi), base_url=BASE)
        await ref_client.get("/")  # the session and CSRF cookies, sent from then on as wrk sends them
        section = await applicant_section(giuria)
        paths = {  # label: (client, path, anonymous)
            "home": (anonymous, "/", True),
            "landing": (anonymous, LANDING, True),
            "section": (giuria, section, False),
            "review": (juror, review_path, False),
        }
        if args.profile:
            client, path, anon = paths[args.profile]
            profiler = cProfile.Profile()
            await timed(client, path, 10, anonymous=anon)
            profiler.enable()
            await timed(client, path, args.requests, anonymous=anon)
            profiler.disable()
            if args.profile_out:
                profiler.dump_stats(args.profile_out)
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(45)
            stats.sort_stats("cumulative").print_stats(60)
            return
        statements = {}
        for label, (client, path, anon) in paths.items():
            await get(client, path, anonymous=anon)
            with StatementCount() as counted:
                await get(client, path, anonymous=anon)
            statements[label] = counted.count
        rows = {"bare ASGI (client only)": (bare, "/", False), "(b) reference GET": (ref_client, "/", False)}
        rows |= paths
        figures: dict[str, list[float]] = {label: [] for label in rows}
        for _round in range(args.rounds):
            for label, (client, path, anon) in rows.items():
                figures[label].append(await timed(client, path, args.requests, anonymous=anon))
        median = {label: statistics.median(values) for label, values in figures.items()}
        client_only = median["bare ASGI (client only)"]
        reference_net = median["(b) reference GET"] - client_only
        print(f"\nengine: {args.engine}; {args.requests} GETs per path, median of {args.rounds} interleaved rounds; "
              f"CPU of this process (time.process_time)")
        print(f"| {'path':<26} | {'CPU ms/req':>10} | {'net ms/req':>10} | {'of (b)':>7} | {'SQL/req':>7} |")
        print(f"|{'-' * 28}|{'-' * 12}|{'-' * 12}|{'-' * 9}|{'-' * 9}|")
        for label in rows:
            net = median[label] - client_only
            ratio = f"{reference_net / net:.1%}" if label in paths else ""
            print(f"| {label:<26} | {median[label]:10.3f} | {net:10.3f} | {ratio:>7} | "
                  f"{statements.get(label, ''):>7} |")
        for client in (giuria, anonymous, juror, ref_client, bare):
            await client.aclose()


async def demo_with_an_open_jury() -> int:
    """The demo, with the juror's assignment of `hot_paths.py` open for scoring; returns its id."""
    await load_demo()
    assignment = await open_jury_for_the_juror(JUROR)
    await db.close_pool()
    return assignment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=["home", "landing", "section", "review"])
    parser.add_argument("--profile-out", help="with --profile, also write the profile's data to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="giuria-cpu-"))
    database_url = asyncio.run(make_postgres_database("giuria_cpu")) if args.engine == "postgres" else ""
    environ = {"GIURIA_DATA_DIR": str(workdir / "data"), "GIURIA_ENV": "test", "GIURIA_DATABASE_URL": database_url,
               "GIURIA_SECRET_KEY": "cpu-secret-" + "c" * 40, "GIURIA_MAIL_INTERVAL_SECONDS": "0",
               "GIURIA_JOB_INTERVAL_SECONDS": "0", "GIURIA_LOGIN_ATTEMPTS_PER_IP": "100000"}
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would be measured too
    try:
        db.configure(load_settings(environ))
        asyncio.run(db.migrate())
        review_path = f"/jury/assignments/{asyncio.run(demo_with_an_open_jury())}"
        asyncio.run(measure(args, environ, review_path))
    finally:
        if database_url:
            asyncio.run(drop_postgres_database(database_url))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
