"""Exports at scale: an edition whose round holds about a million criterion scores, exported as each format.

Builds the edition fast (template rows through Piccolo, then copies made by INSERT … SELECT in the database), on
SQLite and on PostgreSQL, then runs each export in a fresh process and prints its time (and CPU time, the steadier
figure on a shared machine) and peak RSS, beside the RSS of that process before the export began. Goals: ≤ 150 MB
peak for CSV, ≤ 300 MB for XLSX.

    PYTHONPATH=. python bench/exports_scale.py [--entries 5000 --jurors 200 --per-entry 40] [--engine sqlite]
        [--exports scores-long.csv,scores-long.xlsx,scores-wide.csv,scores-wide.xlsx,applications.xlsx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres_databases import drop_postgres_database, make_postgres_database

CODES = ("IMP", "INN", "SOS", "TEA", "RET")
ORGANISER = "organiser@bench.example"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def series(n: int) -> str:
    """A table n(i) of 1 … n, in SQL both engines run."""
    return f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(n)}) SELECT i FROM n) AS n"  # noqa: S608


async def copy_rows(table, template_id: int, source: str, overrides: dict[str, str], where: str = "") -> None:
    """INSERT … SELECT: a row per row of `source` (where `where`), the template row's values but for `overrides`."""
    columns = [c._meta.db_column_name for c in table._meta.columns if c._meta.name != "id"]
    values = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    name = table._meta.tablename
    names = ", ".join(f'"{c}"' for c in columns)
    # The bench's own constants and integers only: nothing here comes from outside.
    await table.raw(
        f"INSERT INTO {name} ({names}) SELECT {values} FROM {name} t, {source} "  # noqa: S608
        f"WHERE t.id = {template_id}" + (f" AND {where}" if where else ""))


async def build(entries: int, jurors: int, per_entry: int) -> str:
    """The example edition, then `entries` submitted entries each reviewed by `per_entry` of `jurors` jurors on five
    criteria, all submitted; returns the edition's slug."""
    from core.editions.competitions import import_competition_text
    from core.platform.tables import Account, Application, Assignment, CriterionScore, Edition, Review, Round, Track

    edition_id = await import_competition_text((ROOT / "examples" / "welfare-che-impresa.yaml").read_text())
    slug = (await Edition.select(Edition.slug).where(Edition.id == edition_id).first())["slug"]
    round_id = (await Round.select(Round.id).where(Round.edition == edition_id, Round.code == "R1").first())["id"]
    track_id = (await Track.select(Track.id).where(Track.edition == edition_id).first())["id"]
    await Account(email=ORGANISER, display_name="Organiser", is_admin=True).save()
    now = datetime.now(UTC)
    juror = Account(email="template-juror@bench.example", display_name="Template")
    applicant = Account(email="template-applicant@bench.example", display_name="Template")
    await juror.save()
    await applicant.save()
    entry = Application(edition=edition_id, applicant=applicant.id, track=track_id, entity_name="Template",
                        title="Template", status="in_round", submitted_at=now)
    await entry.save()
    chosen = Assignment(round=round_id, application=entry.id, juror=juror.id, status="assigned")
    await chosen.save()
    review = Review(assignment=chosen.id, status="submitted", total=3.0, submitted_at=now)
    await review.save()
    score = CriterionScore(review=review.id, criterion="IMP", value=3.0)
    await score.save()

    await copy_rows(Account, juror.id, series(jurors), {
        "email": "'juror' || n.i || '@bench.example'", "display_name": "'Juror ' || n.i"})
    await copy_rows(Account, applicant.id, series(entries), {
        "email": "'applicant' || n.i || '@bench.example'", "display_name": "'Applicant ' || n.i"})
    await copy_rows(Application, entry.id, "account a", {
        "applicant": "a.id", "entity_name": "'Impresa ' || a.id", "title": "'Progetto ' || a.id",
        "receipt_number": "'R-' || a.id"}, where="a.email LIKE 'applicant%@bench.example'")
    # Entry e is reviewed by the `per_entry` jurors that follow it round the circle of jurors.
    await copy_rows(Assignment, chosen.id, "application ap, account j", {"application": "ap.id", "juror": "j.id"},
                    where=f"ap.id <> {entry.id} AND j.email LIKE 'juror%@bench.example' "
                          f"AND (((j.id - ap.id) % {jurors}) + {jurors}) % {jurors} < {per_entry}")
    await copy_rows(Review, review.id, "assignment a", {"assignment": "a.id", "total": "1.0 + (a.id % 40) / 10.0"},
                    where=f"a.id <> {chosen.id}")
    codes = " UNION ALL ".join(f"SELECT '{code}' AS code, {i} AS k" for i, code in enumerate(CODES))
    await copy_rows(CriterionScore, score.id, f"review r, ({codes}) c", {
        "review": "r.id", "criterion": "c.code", "value": "1.0 + ((r.id * 7 + c.k) % 5)"},
        where=f"r.id <> {review.id}")
    for table, row in ((CriterionScore, score), (Review, review), (Assignment, chosen), (Application, entry)):
        await table.delete().where(table.id == row.id)
    return slug


async def one_export(slug: str, what: str, fmt: str, settings) -> dict:
    """In the child process: one export, timed, with the RSS before and the peak."""
    from core.people.accounts import load_session_user
    from core.platform.tables import Account
    from core.results import exports

    organiser = (await Account.select(Account.id).where(Account.email == ORGANISER).first())["id"]
    actor = await load_session_user(organiser, 0)
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    built = await exports.build_export(actor=actor, edition_slug=slug, what=what, fmt=fmt, round_code="R1",
                                       language="it", settings=settings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if hasattr(built, "path"):
        size = built.path.stat().st_size
        built.path.unlink()
    else:  # an older build that keeps the content in memory
        size = len(built.content)
    return {"seconds": seconds, "cpu": cpu, "before_mb": before, "peak_mb": rss_mb(), "size_mb": size / 2**20}


def child(args: argparse.Namespace) -> None:
    from core.platform import db
    from core.platform.settings import load_settings

    settings = load_settings(dict(os.environ))
    db.configure(settings)
    what, fmt = args.child.rsplit(".", 1)

    async def go() -> dict:
        try:
            return await one_export(args.slug, what, fmt, settings)
        finally:
            await db.close_pool()

    print(json.dumps(asyncio.run(go())))


def engine_run(engine: str, args: argparse.Namespace) -> None:
    from core.platform import db
    from core.platform.settings import load_settings

    workdir = Path(tempfile.mkdtemp(prefix="giuria-exports-"))
    database_url = asyncio.run(make_postgres_database("giuria_exports")) if engine == "postgres" else ""
    environ = {"GIURIA_DATA_DIR": str(workdir / "data"), "GIURIA_ENV": "test", "GIURIA_DATABASE_URL": database_url,
               "GIURIA_SECRET_KEY": "exports-secret-" + "e" * 40}
    try:
        db.configure(load_settings(environ))

        async def prepare() -> tuple[str, int]:
            from core.platform.tables import CriterionScore

            try:
                await db.migrate()
                slug = await build(args.entries, args.jurors, args.per_entry)
                return slug, await CriterionScore.count()
            finally:
                await db.close_pool()

        started = time.perf_counter()
        slug, scores = asyncio.run(prepare())
        print(f"{engine:<9} {args.entries:,} entries × {args.per_entry} of {args.jurors} jurors: {scores:,} criterion "
              f"scores, built in {time.perf_counter() - started:.0f} s")
        for export in args.exports.split(","):
            done = subprocess.run([sys.executable, __file__, "--child", export, "--slug", slug], cwd=args.code,
                                  env={**os.environ, **environ, "PYTHONPATH": str(args.code)}, capture_output=True,
                                  text=True)
            if done.returncode != 0:
                print(f"  {export:<18} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            goal = 150 if export.endswith(".csv") else 300
            print(f"  {export:<18} {figures['seconds']:6.1f} s ({figures['cpu']:.1f} s CPU), "
                  f"peak RSS {figures['peak_mb']:5.0f} MB "
                  f"(goal ≤ {goal}; {figures['before_mb']:.0f} MB before the export), "
                  f"file {figures['size_mb']:.0f} MB")
    finally:
        if database_url:
            asyncio.run(drop_postgres_database(database_url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--jurors", type=int, default=200)
    parser.add_argument("--per-entry", type=int, default=40)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--exports", default="scores-long.csv,scores-long.xlsx,scores-wide.csv,scores-wide.xlsx,"
                                             "applications.xlsx")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose exports run (to compare)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for engine in (["sqlite", "postgres"] if args.engine == "both" else [args.engine]):
        engine_run(engine, args)


if __name__ == "__main__":
    main()
