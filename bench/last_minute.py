"""500 applicants submit in the last minute, against PostgreSQL with 4 app workers.

Prints p50/p99 latency of the submission request, throughput, and checks that no submission was
lost or duplicated and that no request failed with a 5xx. Everything runs on this machine:
PostgreSQL from GIURIA_BENCH_POSTGRES_URL (a throw-away database is created and dropped), the
platform as `giuria serve --workers 4`, and the applicants as asyncio HTTP clients on loopback.

    python bench/last_minute.py [--applicants 500] [--workers 4] [--double-click 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.editions.competitions import import_competition_text
from core.platform import db
from core.platform.passwords import hash_password
from core.platform.settings import load_settings
from core.platform.tables import Account, Application, Attachment, RoleGrant, TimelineEntry, Track

ADMIN_URL = os.environ.get("GIURIA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password-2026"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
ANSWERS = {
    "entity_name": "Ente", "legal_form": "aps", "founded_on": "2024-01-10", "region": "Lazio",
    "training_completed": True, "contact_email": "x@example.org",
    "members": [{"name": "A", "age": 25}, {"name": "B", "age": 30}],
    "title": "Progetto", "abstract": "a", "social_need": "b", "solution": "c", "technology": "d", "network": "e",
    "theory_of_change": "f", "kpis": [{"name": "k", "baseline": 0, "target": 1}] * 3, "jobs_planned": 2,
    "jobs_disadvantaged": 1, "business_model": "g", "stage": "idea", "scalability": "h", "use_of_prize": "i",
}
DECLARATIONS = ["truthfulness", "rules_accepted", "privacy_notice"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def prepare(environ: dict[str, str], applicants: int) -> list[tuple[str, int]]:
    """An open call closing in ten minutes, and `applicants` verified accounts with complete drafts."""
    db.configure(load_settings(environ))
    await db.migrate()
    await import_competition_text((ROOT / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8"))
    await TimelineEntry.update({TimelineEntry.starts_at: datetime.now(UTC) + timedelta(minutes=10)}).where(
        TimelineEntry.code == "call_close")
    track = (await Track.select(Track.id, Track.edition).first())
    password_hash = await hash_password(PASSWORD)
    people = []
    for number in range(applicants):
        email = f"applicant{number:04d}@bench.example"
        account_id = (await Account.insert(Account(email=email, password_hash=password_hash, locale="it",
                                                   email_verified_at=datetime.now(UTC))))[0]["id"]
        await RoleGrant.insert(RoleGrant(account=account_id, edition=track["edition"], role="applicant"))
        application_id = (await Application.insert(Application(
            edition=track["edition"], applicant=account_id, track=track["id"], entity_name=f"Ente {number}",
            tax_code=f"9{number:010d}", answers={"values": dict(ANSWERS, tax_code=f"9{number:010d}"), "invalid": {}},
        )))[0]["id"]
        await Attachment.insert(Attachment(application=application_id, field="pitch_deck", filename="deck.pdf",
                                           content_type="application/pdf", size_bytes=10, sha256=f"{number:064d}"))
        people.append((email, application_id))
    return people


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    token = CSRF.search(page.text).group(1)
    response = await client.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": token})
    assert response.status_code == 302, (email, response.status_code)


async def submit(client: httpx.AsyncClient, application_id: int, clicks: int) -> list[tuple[float, int]]:
    """Open the application, then press submit `clicks` times at once (a double click)."""
    page = await client.get(f"/applications/{application_id}")
    token = CSRF.search(page.text).group(1)
    data = {"_csrf_token": token, "declaration": DECLARATIONS}

    async def press() -> tuple[float, int]:
        started = time.perf_counter()
        response = await client.post(f"/applications/{application_id}/submit", data=data)
        return time.perf_counter() - started, response.status_code

    return list(await asyncio.gather(*(press() for _ in range(clicks))))


async def run(args) -> int:
    name = f"giuria_bench_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    database_url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    data_dir = tempfile.mkdtemp(prefix="giuria-bench-")
    environ = {"GIURIA_DATABASE_URL": database_url, "GIURIA_DATA_DIR": data_dir, "GIURIA_ENV": "test",
               "GIURIA_SECRET_KEY": "bench-secret-" + "s" * 40, "GIURIA_DB_POOL_SIZE": "5",
               "GIURIA_LOGIN_ATTEMPTS_PER_IP": "100000"}
    server = None
    try:
        started = time.perf_counter()
        people = await prepare(environ, args.applicants)
        print(f"prepared {len(people)} applicants with complete drafts in {time.perf_counter() - started:.1f} s")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "core", "serve", "--port", str(port), "--workers",
                                   str(args.workers)], env={**os.environ, **environ}, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
        limits = httpx.Limits(max_connections=1000)
        clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in people]
        signing = asyncio.Semaphore(16)

        async def signed(client, email):
            async with signing:
                await sign_in(client, email)

        started = time.perf_counter()
        await asyncio.gather(*(signed(client, email) for client, (email, _) in zip(clients, people, strict=True)))
        print(f"signed in {len(people)} applicants in {time.perf_counter() - started:.1f} s (not part of the figure)")

        rng = random.Random(7)
        clicks = [2 if rng.random() < args.double_click else 1 for _ in people]
        started = time.perf_counter()
        results = await asyncio.gather(*(submit(client, application_id, n) for client, (_, application_id), n
                                         in zip(clients, people, clicks, strict=True)))
        elapsed = time.perf_counter() - started
        for client in clients:
            await client.aclose()
        latencies = sorted(seconds for result in results for seconds, _ in result)
        statuses = [status for result in results for _, status in result]
        rows = await Application.select(Application.status, Application.receipt_number)
        submitted = [r for r in rows if r["status"] == "submitted"]
        receipts = [r["receipt_number"] for r in submitted]
        server_errors = sum(status >= 500 for status in statuses)
        print(f"\nlast minute: {len(people)} applicants, {sum(clicks)} submit requests "
              f"({sum(c == 2 for c in clicks)} double clicks), {args.workers} workers, PostgreSQL")
        print(f"  all submitted in {elapsed:.1f} s ({sum(clicks) / elapsed:.0f} submit requests/s)")
        print(f"  submit latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        print(f"  responses: {dict(sorted((s, statuses.count(s)) for s in set(statuses)))}; 5xx: {server_errors}")
        lost = len(people) - len(submitted)
        duplicated = len(receipts) - len(set(receipts))
        print(f"  submitted {len(submitted)} of {len(people)}: lost {lost}, duplicated receipts {duplicated}")
        return 0 if (lost == 0 and duplicated == 0 and server_errors == 0) else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        await db.close_pool()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--double-click", type=float, default=0.1)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
