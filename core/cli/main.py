"""The `giuria` command: migrate, serve, demo, competitions as files, plugins, audit, accounts.

Settings errors stop every command with the one line naming the variable. The web app is named
by its import path, never imported here: core does not depend on web.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click

from core.platform.settings import Settings, SettingsError, load_settings
from core.platform.yaml_source import FileProblems, decode_text, load_yaml

APP_FACTORY = "web.app:create_app_from_env"


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _run(coroutine):
    """Run a command's coroutine and release its database connections before the loop ends.

    asyncio is imported here, by the commands that use the database: `giuria assign` and `--help` do without it.
    """
    import asyncio

    from core.platform import db

    async def run_and_release():
        try:
            return await coroutine
        finally:
            if db.piccolo_conf.DB is not None:
                await db.close_pool()

    return asyncio.run(run_and_release())


async def _prepare(settings: Settings) -> None:
    from core.platform import db

    db.configure(settings)
    await db.migrate()
    db.share_one_connection()  # closed by `_run`'s `close_pool`


class _Commands(click.Group):
    """Commands that stand on the numerical libraries load them only when run (or listed in help).

    `giuria score` and `giuria assign` need numpy and scipy but not the database; the others
    need the database but not the maths. Importing each only for its own command keeps a
    command's start-up to what it uses.
    """

    lazy = {"assign": "core.cli.assign:assign", "score": "core.cli.score:score"}
    # Their help text, so that `giuria --help` lists them without loading either (a test keeps it equal to the
    # commands' own).
    lazy_help = {
        "assign": "Assign jurors to entries: exactly K each, loads within bounds, no conflicts, best total affinity.",
        "score": "Rank the entries in SCORES (entry,juror,criterion,value rows) with calibrated scores and "
                 "intervals.",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = []
        for name in self.list_commands(ctx):
            command = click.Command(name, help=self.lazy_help[name]) if name in self.lazy_help \
                else super().get_command(ctx, name)
            if command is not None and not command.hidden:
                listed.append((name, command))
        if listed:
            limit = formatter.width - 6 - max(len(name) for name, _command in listed)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in listed])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            # Their linear algebra works on blocks small enough that BLAS threads wait on each
            # other more than they help, and on a shared machine they spin: one thread unless
            # the caller says otherwise. Effective only before numpy is first imported.
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Giuria: run startup and social-innovation competitions."""


@cli.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from core.platform import db

    settings = _settings()
    db.configure(settings)
    report = _run(db.migrate())
    click.echo(report.strip() or "Up to date.")


def _links_follow_the_server(host: str, port: int) -> None:
    """Without GIURIA_BASE_URL, links in mail point where this command serves, not at a default port.

    Set before the settings are read, so the workers uvicorn starts (which read the environment) agree.
    """
    if os.environ.get("GIURIA_BASE_URL", "").strip():
        return
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared, not bound
    if ":" in reachable:
        reachable = f"[{reachable}]"
    os.environ["GIURIA_BASE_URL"] = f"http://{reachable}:{port}"
    if reachable != host:
        click.echo(f"Links in mail point to {os.environ['GIURIA_BASE_URL']}; set GIURIA_BASE_URL to the "
                   "public address.", err=True)


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers > 1 and settings.database_engine == "sqlite":
        click.echo("Note: several workers on SQLite share one writer; use PostgreSQL for large calls.", err=True)
    # uvicorn's "auto" picks uvloop and httptools (dependencies of Giuria): with asyncio's loop and h11, keep-alive
    # connections piled onto one worker and a second worker served no more than one.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                forwarded_allow_ips=settings.trusted_proxies, log_level="info", loop="auto", http="auto")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the platform (run `giuria migrate` first)."""
    _links_follow_the_server(host, port)
    _serve(_settings(), host, port, workers)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the demo database and stop.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, load the demo competition if the database is empty, and serve."""
    from core.cli.demo import DEMO_LOGINS, database_is_empty, load_demo

    _links_follow_the_server(host, port)
    settings = _settings()

    async def prepare() -> bool:
        await _prepare(settings)
        if await database_is_empty():
            await load_demo(settings=settings)
            return True
        return False

    loaded = _run(prepare())
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo("Demo data loaded." if loaded else "The database already has data; the demo was not reloaded.")
    click.echo(f"Giuria is at {url}  (database: {settings.database_engine}, data in {settings.data_dir})")
    click.echo(f"Demo logins (password for all: {DEMO_LOGINS[0].password}):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.role:<10} {login.email}")
    if not settings.smtp_url and settings.env == "development":
        click.echo(f"Mail is not sent anywhere: read it at {url}dev/outbox (as the administrator).")
    click.echo("")
    if not no_serve:
        _serve(settings, host, port, 1)


@cli.group()
def competition() -> None:
    """Import and export competitions as YAML files."""


@competition.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--update", is_flag=True,
              help="Apply FILE onto the existing edition with its slug, as the set-up page's re-import does.")
def competition_import(file: Path, update: bool) -> None:
    """Create an edition from FILE, or with --update change the existing one; a file with errors is rejected whole.

    An update matches tracks, areas, rounds and prizes by their codes, refuses what would break applications,
    reviews or awards (a frozen rubric, a part in use) and is recorded in the audit log with what it changed.
    """
    from core.editions import competitions

    settings = _settings()
    text = ""

    async def run() -> tuple[str, int | None, list]:
        await _prepare(settings)
        spec = competitions.read_competition_file(text, source=str(file))
        exists = await competitions.edition_exists(spec.edition.slug)
        if update and not exists:
            raise FileProblems([load_yaml(text).problem(
                "$.edition.slug", f"no edition {spec.edition.slug!r} to update (import without --update to "
                                  "create it)")])
        if exists and not update:
            raise FileProblems([load_yaml(text).problem(
                "$.edition.slug", f"edition {spec.edition.slug!r} already exists (add --update to change it)")])
        if update:
            return spec.edition.slug, None, await competitions.update_competition_text(
                text, slug=spec.edition.slug, source=str(file), audit_draft=True)
        return spec.edition.slug, await competitions.import_competition(spec), []

    try:
        text = decode_text(file.read_bytes(), source=str(file))
        slug, edition_id, changes = _run(run())
    except FileProblems as problems:
        nothing = "nothing was changed" if update else "nothing was imported"
        if len(problems.problems) == 1:
            click.echo(f"{file}: {problems.problems[0]}; rejected, {nothing}.", err=True)
        else:
            click.echo(f"{file}: rejected, {nothing}.", err=True)
            for problem in problems.problems:
                click.echo(f"  {problem}", err=True)
        sys.exit(1)
    if not update:
        click.echo(f"Imported {file} as edition {edition_id}.")
    elif not changes:
        click.echo(f"Edition {slug}: nothing changed.")
    else:
        click.echo(f"Updated edition {slug} from {file}: {len(changes)} changes (recorded in the audit log).")
        for change in changes:
            click.echo(f"  {change.path}: {change.before!r} -> {change.after!r}")


@competition.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
def competition_export(slug: str, output: Path | None) -> None:
    """Write the edition SLUG as YAML."""
    from core.editions.competitions import EditionNotFound, competition_to_yaml, export_competition

    settings = _settings()

    async def run() -> str:
        await _prepare(settings)
        return competition_to_yaml(await export_competition(slug))

    try:
        text = _run(run())
    except EditionNotFound:
        raise click.ClickException(f"no edition with slug {slug!r}") from None
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)


@cli.command("plugins")
def list_plugins() -> None:
    """List plugins with version, origin, hooks and whether they are working."""
    from core.plugins import load_registry

    registry = load_registry(_settings())
    # Calling each collection hook once surfaces plugins that fail at run time, not only at import.
    registry.rubrics(), registry.workflows(), registry.reports()
    for info in registry.infos.values():
        state = "ok" if info.active else f"DISABLED: {info.error}"
        click.echo(f"{info.name}  {info.version or '-'}  [{info.origin}]  {state}")
        click.echo(f"    hooks: {', '.join(info.hooks) or '-'}")
    for name, offer in registry.rubrics().items():
        click.echo(f"rubric {name}  (from {offer.plugin}, {len(offer.rubric.criteria)} criteria)")


@cli.group()
def audit() -> None:
    """Check the audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the keyed hash chain and compare its end with the checkpoint; exit 1 naming what was altered.

    An intact chain moves the checkpoint (in the data directory) to its last event.
    """
    from core.platform.audit import verify_chain

    settings = _settings()

    async def run():
        await _prepare(settings)
        return await verify_chain()

    report = _run(run())
    if report.intact:
        click.echo(f"Audit log intact: {report.events} events.")
        if report.note:
            click.echo(f"Note: {report.note}.", err=True)
        if report.checkpoint is not None:
            click.echo(f"Checkpoint: {report.checkpoint.as_text()} ({settings.audit_checkpoint_path})")
        return
    where = f" at event {report.broken_at}" if report.broken_at is not None else ""
    click.echo(f"Audit log BROKEN{where}: {report.reason}.", err=True)
    sys.exit(1)


@cli.group("mail")
def mail_group() -> None:
    """Deliver the outbox (the web app does it too, unless GIURIA_MAIL_INTERVAL_SECONDS=0)."""


@mail_group.command("send")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Most mails to try in one pass.")
@click.option("--every", type=click.IntRange(1), metavar="SECONDS",
              help="Keep running, one pass every SECONDS, until stopped (a dedicated sender process).")
def mail_send(limit: int, every: int | None) -> None:
    """Send the mail that is due: one pass for cron, or a sender that keeps running with --every."""
    from core.messaging import mail

    settings = _settings()
    if every is not None:
        _run(_send_until_stopped(settings, every))
        return

    async def run() -> mail.DeliveryReport:
        await _prepare(settings)
        return await mail.deliver_due(settings=settings, limit=limit)

    report = _run(run())
    click.echo(f"Sent {report.sent}, retrying {report.retried}, failed {report.failed}.")
    if report.waiting:
        click.echo(f"{report.waiting} mails wait in the outbox: set GIURIA_SMTP_URL to send them.", err=True)


async def _send_until_stopped(settings: Settings, every: int) -> None:
    import asyncio
    import signal

    from core.messaging import mail

    await _prepare(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    click.echo(f"Sending mail every {every} seconds; stop with Ctrl-C.", err=True)
    await mail.run_sender(settings=settings, stop=stop, interval_seconds=every)


@cli.group("webhooks")
def webhooks_group() -> None:
    """Deliver webhooks to partners (the web app does it too, unless GIURIA_MAIL_INTERVAL_SECONDS=0)."""


@webhooks_group.command("send")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Most deliveries to try in one pass.")
def webhooks_send(limit: int) -> None:
    """Post the webhook deliveries that are due: one pass, for cron."""
    from core.messaging import webhooks

    settings = _settings()

    async def run() -> webhooks.WebhookReport:
        await _prepare(settings)
        return await webhooks.deliver_webhooks(limit=limit)

    report = _run(run())
    click.echo(f"Delivered {report.delivered}, retrying {report.retried}, failed {report.failed}.")


@cli.group()
def files() -> None:
    """Look after uploaded files."""


@files.command("sweep")
def files_sweep() -> None:
    """Delete stored files no attachment refers to, and uploads abandoned half-way."""
    from core.applications.attachments import sweep_uploads

    settings = _settings()

    async def run():
        await _prepare(settings)
        return await sweep_uploads(settings=settings)

    report = _run(run())
    click.echo(f"Removed {report.blobs} unreferenced files and {report.partial_uploads} abandoned uploads.")


@cli.command("create-admin")
@click.option("--email", required=True)
@click.password_option()
def create_admin(email: str, password: str) -> None:
    """Create a platform administrator."""
    from core.people.accounts import AccountError, create_account

    settings = _settings()

    async def run() -> int:
        await _prepare(settings)
        return await create_account(email=email, password=password, is_admin=True, verified=True)

    try:
        account_id = _run(run())
    except AccountError as error:
        raise click.ClickException(f"not created: {error.code}") from None
    click.echo(f"Administrator {email} created (id {account_id}).")


@cli.group("api-token")
def api_token_group() -> None:
    """Personal API tokens."""


@api_token_group.command("create")
@click.option("--email", required=True, help="The account the token acts for.")
@click.option("--scope", required=True, type=click.Choice(["read", "write"]), help="read, or write (includes read).")
@click.option("--edition", "edition_slug", help="Limit the token to this edition (by slug).")
@click.option("--expires", "expires_days", type=click.IntRange(1, 3650), metavar="DAYS",
              help="Days until the token stops working (default: never).")
def api_token_create(email: str, scope: str, edition_slug: str | None, expires_days: int | None) -> None:
    """Create a token for an account and print its secret (shown only this once)."""
    from core.people.api_tokens import TokenRefused, create_token_for_email

    settings = _settings()

    async def run():
        await _prepare(settings)
        return await create_token_for_email(email=email, scope=scope, edition_slug=edition_slug,
                                            expires_in_days=expires_days)

    try:
        created = _run(run())
    except TokenRefused as refused:
        raise click.ClickException(f"not created: {refused.message}") from None
    click.echo(created.secret)


@cli.group()
def mentoring() -> None:
    """The finalists' mentoring path."""


@mentoring.command("remind")
def mentoring_remind() -> None:
    """Queue reminders for milestones due soon or overdue; each is sent once, however often this runs."""
    from core.mentoring.milestones import send_milestone_reminders

    settings = _settings()

    async def run():
        await _prepare(settings)
        return await send_milestone_reminders(base_url=settings.base_url)

    report = _run(run())
    click.echo(f"Queued {report.sent} reminders ({report.already_sent} already sent before).")
@cli.group("jobs")
def jobs_group() -> None:
    """Run long operations (the web app runs them too, unless GIURIA_JOB_INTERVAL_SECONDS=0)."""


@jobs_group.command("run")
@click.option("--limit", type=click.IntRange(1), help="Most jobs to run before stopping.")
def jobs_run(limit: int | None) -> None:
    """Run queued jobs until none is left; safe beside other workers doing the same."""
    from core.messaging import jobs
    from core.results import exports, leaderboard  # noqa: F401 (they register the job kinds they own)

    settings = _settings()

    async def run() -> int:
        await _prepare(settings)
        return await jobs.run_pending(settings=settings, limit=limit)

    click.echo(f"Ran {_run(run())} jobs.")




def main() -> None:
    cli()
