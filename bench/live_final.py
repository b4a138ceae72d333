"""The live final under load, on PostgreSQL with `giuria serve --workers 2` on a throw-away database.

300 simulated phones (each an httpx client with its own device cookie and its own forwarded address, as on mobile
data) open the vote page and vote within 60 s on the pitch on stage; 30 of them try a second vote, which must be
refused; 10 jurors score through `POST /jury/live/{round_id}/score` (skipped with a line when that route is not
there); the big screen and the control page listen by SSE. Prints votes sent / stored (equal), duplicates (0),
5xx (0), the p50/p99 latency of a vote, and the delay from a vote (or score) being written to each SSE client.
Jurors sign in and each worker renders the vote page before the clock starts. To tell the server from the shared
machine it also prints, by 5 s of the run, the votes' latency beside a GET /healthz reference and this process's
own event-loop lag, the slowest votes, and the statements seen waiting on a lock in pg_stat_activity.

    python bench/live_final.py [--phones 300] [--seconds 60] [--port 8702] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres_databases import drop_postgres_database, make_postgres_database
from core.cli.demo import DEMO_PASSWORD, load_demo
from core.live import room
from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import (
    Account,
    Application,
    Assignment,
    AudienceVote,
    LiveEvent,
    LiveStage,
    PitchSlot,
    RoleGrant,
    Round,
)

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
# Under uvicorn's 5 s keep-alive timeout: a client never reuses a connection the server may be closing (the
# server's close racing the client's next request ends in httpx.ReadError, a bench artefact, not a refused vote).
LIMITS = httpx.Limits(keepalive_expiry=2.0)
# One TLS context for every client: httpx loads the CA bundle for each client otherwise (~25 ms of CPU), and 300
# phones starting together froze this process's event loop for seconds, then let their votes out in one burst.
TLS = ssl.create_default_context()
PLAIN = {"verify": TLS, "limits": LIMITS}
AGENTS = [f"Mozilla/5.0 (Phone {n}; Mobile) AppleWebKit/605.1.15 Version/17.{n} Mobile Safari/604.1"
          for n in range(25)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


async def stage_the_final() -> tuple[int, int, list[str]]:
    """The demo's 2026 final run live: its finalists in order, the first on stage; the jurors' emails."""
    final = await Round.select(Round.id, Round.edition).where(Round.kind == "final_pitch").order_by(
        Round.edition).first()
    round_id = final["id"]
    finalists = await Application.select(Application.id).where(
        (Application.edition == final["edition"]) & (Application.status.is_in(["finalist", "winner"]))).order_by(
        Application.id)
    await LiveStage(round=round_id, audience_vote=True).save()
    slots = []
    for position, row in enumerate(finalists[:8]):
        slot = PitchSlot(round=round_id, application=row["id"], position=position, pitch_seconds=900)
        await slot.save()
        slots.append(slot.id)
    await PitchSlot.update({PitchSlot.status: "pitch", PitchSlot.phase_started_at: datetime.now(UTC),
                            PitchSlot.scoring: "open", PitchSlot.scoring_opened_at: datetime.now(UTC)}).where(
        PitchSlot.id == slots[0])
    await LiveStage.update({LiveStage.current_slot: slots[0]}).where(LiveStage.round == round_id)
    jurors = await Account.select(Account.email).where(Account.id.is_in(
        RoleGrant.select(RoleGrant.account).where(RoleGrant.role == "juror"))).order_by(Account.id).limit(10)
    # Each juror gets the pitch on stage to score (the live final's jurors are assigned like any round's).
    for juror in await Account.select(Account.id).where(Account.email.is_in([j["email"] for j in jurors])):
        if not await Assignment.exists().where((Assignment.round == round_id) & (Assignment.juror == juror["id"]) & (
                Assignment.application == finalists[0]["id"])):
            await Assignment(round=round_id, juror=juror["id"], application=finalists[0]["id"]).save()
    return round_id, slots[0], [j["email"] for j in jurors]


class Listener:
    """An SSE client (the big screen, the control page): when each event id arrived."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.arrived: dict[int, float] = {}
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None), verify=TLS) as client, \
                client.stream("GET", self.url) as response:
            event_id = None
            async for line in response.aiter_lines():
                if line.startswith("id:"):
                    event_id = int(line[3:])
                elif line == "" and event_id is not None:
                    self.arrived[event_id] = time.time()
                    event_id = None


async def phone(number: int, base: str, path: str, slot: int, start_at: float, results: dict) -> None:
    """A phone scans the QR code at `start_at`, and votes a few seconds later (the time to choose)."""
    address = f"10.{number // 250}.{number % 250}.{random.randint(2, 250)}"
    headers = {"x-forwarded-for": address, "user-agent": AGENTS[number % len(AGENTS)]}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, **PLAIN) as client:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        page = await client.get(path)
        if page.status_code >= 500:
            results["5xx"] += 1
            return
        token = CSRF.search(page.text).group(1)
        await asyncio.sleep(random.uniform(1, 4))
        for attempt in range(2 if number % 10 == 0 else 1):  # one phone in ten tries to vote twice
            sent = time.monotonic()
            answer = await client.post(path, data={"slot": str(slot), "value": str(1 + number % 5),
                                                   "_csrf_token": token})
            if answer.status_code >= 500:
                results["5xx"] += 1
            elif attempt == 0:
                results["latency"].append(time.monotonic() - sent)
                results["votes"].append((sent - results["started"], time.monotonic() - sent, number))
                results["sent"] += 1
                results["accepted"] += answer.status_code == 200
            else:
                results["second_refused"] += answer.status_code == 409


async def sign_in(email: str, base: str) -> httpx.Cookies:
    """A juror signs in before the timed phase (Argon2 is CPU work a venue spreads over the morning)."""
    async with httpx.AsyncClient(base_url=base, timeout=60, **PLAIN) as client:
        login = await client.get("/login")
        token = CSRF.search(login.text).group(1)
        await client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "next": "/jury",
                                          "_csrf_token": token})
        return client.cookies


async def juror(cookies: httpx.Cookies, email: str, base: str, round_id: int, slot: int, until: float,
                results: dict) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, cookies=cookies, **PLAIN) as client:
        criteria = ("IMP", "SOS", "TEA", "INN", "PIT")
        n = 0
        while time.monotonic() < until:
            csrf = client.cookies.get("giuria_csrf") or ""
            sent = time.monotonic()
            answer = await client.post(f"/jury/live/{round_id}/score", json={
                "client_id": f"{email}-{n}", "slot": slot, "criterion": criteria[n % len(criteria)],
                "value": random.randint(5, 10)}, headers={"x-csrftoken": csrf})
            if answer.status_code >= 500:
                results["5xx"] += 1
            results["scores"] += 1
            results["score_latency"].append(time.monotonic() - sent)
            n += 1
            await asyncio.sleep(random.uniform(2, 6))


async def reference(base: str, until: float, results: dict) -> None:
    """The machine's own figure under the same load: GET /healthz (one `SELECT 1`) four times a second."""
    async with httpx.AsyncClient(base_url=base, timeout=30, **PLAIN) as client:
        while time.monotonic() < until:
            sent = time.monotonic()
            answer = await client.get("/healthz")
            if answer.status_code >= 500:
                results["5xx"] += 1
            results["reference"].append((sent - results["started"], time.monotonic() - sent))
            await asyncio.sleep(0.25)


async def loop_lag(until: float, results: dict) -> None:
    """How late this process's own event loop wakes up: a late load generator times its own delay, not the server's."""
    while time.monotonic() < until:
        asked = time.monotonic()
        await asyncio.sleep(0.05)
        results["lag"].append((asked - results["started"], time.monotonic() - asked - 0.05))


LOCK_WAITS = """
SELECT wait_event, left(query, 40) AS query FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


async def lock_waits(database_url: str, until: float, results: dict) -> None:
    """Every 50 ms, which statements of the server wait on a lock (an advisory lock serialising votes shows here)."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        while time.monotonic() < until:
            results["lock_samples"] += 1
            for row in await connection.fetch(LOCK_WAITS):
                key = f"{row['wait_event']}: {row['query']}"
                results["lock_waits"][key] = results["lock_waits"].get(key, 0) + 1
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def warm_up(base: str, path: str) -> None:
    """Each worker renders the vote page and opens its pool connections once before the clock starts."""
    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60, verify=TLS) as client:
            await client.get(path)
            await client.get("/healthz")

    await asyncio.gather(*(one() for _ in range(20)))


async def load(base: str, round_id: int, slot: int, jurors: list[str], args) -> dict:
    settings = load_settings()
    path = f"/vote/{round_id}/{room.vote_token(settings, round_id)}"
    listeners = [Listener("big screen", f"{base}/live/{round_id}/events"),
                 Listener("control page", f"{base}/live/{round_id}/events")]
    for listener in listeners:
        listener.task = asyncio.create_task(listener.run())
    results = {"sent": 0, "accepted": 0, "second_refused": 0, "5xx": 0, "latency": [], "scores": 0,
               "score_latency": [], "votes": [], "reference": [], "lag": [], "lock_samples": 0, "lock_waits": {}}
    async with httpx.AsyncClient(base_url=base, **PLAIN) as client:
        probe = await client.post(f"/jury/live/{round_id}/score", json={})
    signed_in = []
    if probe.status_code == 404:
        print(f"jurors: skipped, POST /jury/live/{round_id}/score answers 404 here (the juror endpoint is not merged)")
    else:
        signed_in = await asyncio.gather(*(sign_in(email, base) for email in jurors))
    await warm_up(base, path)
    await asyncio.sleep(1.0)
    started = results["started"] = time.monotonic()
    juror_tasks = [asyncio.create_task(juror(cookies, email, base, round_id, slot, started + args.seconds, results))
                   for cookies, email in zip(signed_in, jurors, strict=True)]
    phones = [phone(n, base, path, slot, started + random.uniform(0, args.seconds - 4), results)
              for n in range(args.phones)]
    await asyncio.gather(*phones, *juror_tasks, reference(base, started + args.seconds, results),
                         loop_lag(started + args.seconds, results),
                         lock_waits(args.database_url, started + args.seconds, results))
    results["elapsed"] = time.monotonic() - started
    # The last events reach the listeners (at most 30 s more: a slow machine delays them, it must not hide them).
    expected = await LiveEvent.count().where(LiveEvent.round == round_id)
    for _wait in range(60):
        if all(len(listener.arrived) >= expected for listener in listeners):
            break
        await asyncio.sleep(0.5)
    for listener in listeners:
        listener.task.cancel()
    results["listeners"] = listeners
    return results


def print_timeline(results: dict, seconds: float) -> None:
    """Vote and reference latency by 5 s of the run, and the slowest votes: is it the machine, or the votes?"""
    print("second  votes  vote p50/max ms  reference p50/max ms  bench loop late max ms")
    for start in range(0, int(seconds) + 5, 5):
        votes = [latency for at, latency, _n in results["votes"] if start <= at < start + 5]
        probes = [latency for at, latency in results["reference"] if start <= at < start + 5]
        late = max((lag for at, lag in results["lag"] if start <= at < start + 5), default=0)
        if votes or probes:
            print(f"{start:>4}-{start + 5:<3}{len(votes):>5}  {percentile(votes, .5) * 1000:>6.0f} / "
                  f"{max(votes, default=0) * 1000:<6.0f}  {percentile(probes, .5) * 1000:>8.0f} / "
                  f"{max(probes, default=0) * 1000:<6.0f}  {late * 1000:>6.0f}")
    slowest = sorted(results["votes"], key=lambda vote: -vote[1])[:5]
    print("slowest votes: " + ", ".join(f"phone {n} at {at:.1f} s: {latency * 1000:.0f} ms"
                                        for at, latency, n in slowest))
    waits = ", ".join(f"{count}× {what}" for what, count in sorted(results["lock_waits"].items(), key=lambda i: -i[1]))
    print(f"lock waits seen in {results['lock_samples']} samples of pg_stat_activity: {waits or 'none'}")
    probes = [latency for _at, latency in results["reference"]]
    print(f"reference GET /healthz under the same load: p50 {percentile(probes, .5) * 1000:.0f} ms, "
          f"p99 {percentile(probes, .99) * 1000:.0f} ms, max {max(probes, default=0) * 1000:.0f} ms "
          f"({len(probes)} requests)")


async def stored(round_id: int, slot: int) -> tuple[int, int, int, dict[int, tuple[str, float]]]:
    rows = await AudienceVote.select(AudienceVote.device_hash, AudienceVote.flag).where(AudienceVote.slot == slot)
    devices = {row["device_hash"] for row in rows}
    counted = sum(1 for row in rows if row["flag"] == "")
    events = await LiveEvent.select(LiveEvent.id, LiveEvent.kind, LiveEvent.created_at).where(
        LiveEvent.round == round_id)
    return len(rows), len(rows) - len(devices), counted, {
        e["id"]: (e["kind"], e["created_at"].timestamp()) for e in events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="giuria-live-"))
    database_url = args.database_url = asyncio.run(make_postgres_database("giuria_live"))
    base = f"http://127.0.0.1:{args.port}"
    environ = {"GIURIA_DATA_DIR": str(workdir / "data"), "GIURIA_ENV": "test", "GIURIA_DATABASE_URL": database_url,
               "GIURIA_SECRET_KEY": "live-secret-" + "l" * 40, "GIURIA_MAIL_INTERVAL_SECONDS": "0",
               "GIURIA_LOGIN_ATTEMPTS_PER_IP": "100000", "GIURIA_BASE_URL": base}
    os.environ.update(environ)
    server = None
    try:
        db.configure(load_settings())
        asyncio.run(db.migrate())
        asyncio.run(load_demo())
        round_id, slot, jurors = asyncio.run(stage_the_final())
        log = (workdir / "server.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "core", "serve", "--port", str(args.port), "--workers",
                                   str(args.workers)], cwd=ROOT, env=os.environ.copy(), stdout=log,
                                  stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit((workdir / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
        load_before = f"{os.getloadavg()[0]:.1f}"
        results = asyncio.run(load(base, round_id, slot, jurors, args))
        rows, duplicates, counted, events = asyncio.run(stored(round_id, slot))
        print(f"PostgreSQL, `giuria serve --workers {args.workers}`, {args.phones} phones within "
              f"{args.seconds:.0f} s (took {results['elapsed']:.1f} s); load average before: {load_before}, "
              f"after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"votes sent {results['sent']} / accepted {results['accepted']} / stored {rows} "
              f"(counted {counted}, flagged {rows - counted})")
        print(f"duplicates stored {duplicates}; second votes refused {results['second_refused']} of "
              f"{len(range(0, args.phones, 10))}")
        print(f"5xx {results['5xx']}")
        print(f"vote latency p50 {percentile(results['latency'], .5) * 1000:.0f} ms, "
              f"p99 {percentile(results['latency'], .99) * 1000:.0f} ms, "
              f"max {max(results['latency'], default=0) * 1000:.0f} ms")
        print_timeline(results, args.seconds)
        if results["scores"]:
            p99 = percentile(results["score_latency"], .99) * 1000
            print(f"juror scores sent {results['scores']}, p99 {p99:.0f} ms")
        for listener in results["listeners"]:
            delays = {kind: [] for kind in ("vote.counted", "score.saved")}
            for event_id, (kind, created) in events.items():
                if kind in delays and event_id in listener.arrived:
                    delays[kind].append(listener.arrived[event_id] - created)
            missing = sum(1 for event_id in events if event_id not in listener.arrived)
            for kind, values in delays.items():
                if values:
                    print(f"{listener.name}: {kind} written -> received by SSE: p50 {percentile(values, .5) * 1000:.0f}"
                          f" ms, p99 {percentile(values, .99) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
                          f"({len(values)} events)")
            print(f"{listener.name}: events missed {missing} of {len(events)}")
        print(json.dumps({"sent": results["sent"], "stored": rows, "duplicates": duplicates, "5xx": results["5xx"]}))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        asyncio.run(drop_postgres_database(database_url))


if __name__ == "__main__":
    main()
