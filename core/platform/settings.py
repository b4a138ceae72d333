"""Settings from the environment, validated once at start-up.

A bad value stops the start with one line naming the variable and what it expects, so an
operator never discovers a typo at the first request.
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_LENGTH = 32
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the platform reads from its environment."""

    env: str = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "Giuria <no-reply@localhost>"
    # Seconds between the web app's outbox passes; 0 leaves sending to `giuria mail send` (cron or a worker).
    mail_interval_seconds: int = 5
    trusted_proxies: str = "127.0.0.1"
    plugins_dir: Path | None = None
    default_language: str = "it"
    languages: tuple[str, ...] = ("it", "en")
    time_zone: str = "Europe/Rome"
    db_pool_size: int = 10
    login_attempts_per_ip: int = 20
    # Per account *and* client address: a stranger's wrong passwords do not lock the owner out elsewhere.
    login_attempts_per_account: int = 5
    login_window_seconds: int = 900
    # Per account from every address together, in an hour: the ceiling a distributed guesser meets.
    login_attempts_per_account_hour: int = 50
    max_upload_mb: int = 20
    # A juror gets at most one reminder per round in this many hours, however many organisers click.
    reminder_interval_hours: int = 24
    # Seconds between the web app's job passes; 0 leaves long operations to `giuria jobs run`.
    job_interval_seconds: int = 2
    # A round with at least this many submitted reviews has its bootstrap computed as a background job.
    large_round_reviews: int = 3000
    # Exports of at least this many rows are offered as background jobs rather than direct downloads.
    large_export_rows: int = 20000
    # The audit chain's key material; empty means secret_key. Set it to the old secret when rotating secret_key.
    audit_key: str = ""
    # Calls one API token may make in a minute, counted across every worker.
    api_requests_per_minute: int = 600
    # Redis for the live final's wake-ups across workers (pub/sub); empty: PostgreSQL LISTEN/NOTIFY, or in-process.
    redis_url: str = ""
    # Audience votes one address may cast in a minute (refused beyond), counted across every worker.
    audience_votes_per_address_minute: int = 120
    # Votes on one pitch within `audience_burst_seconds` beyond which more from one address (or one browser
    # signature) are flagged, kept aside and not counted until the organiser counts them.
    audience_burst_per_address: int = 30
    audience_burst_per_agent: int = 80
    audience_burst_seconds: int = 60

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def database_engine(self) -> str:
        return "postgres" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "giuria.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.data_dir / "audit-checkpoint.json"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _require_int(name: str, raw: str, *, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name}: expected a number of at least {minimum}, got {value}")
    return value


def _check_url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise SettingsError(f"{name}: expected a URL starting with {' or '.join(s + '://' for s in schemes)}, "
                            f"got {raw!r}")
    return raw


def _check_smtp_url(raw: str) -> str:
    _check_url("GIURIA_SMTP_URL", raw, ("smtp", "smtps", "smtp+starttls"))
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except ValueError:
        raise SettingsError(f"GIURIA_SMTP_URL: the port is not a number from 1 to 65535 in {parts.netloc!r}") from None
    if not parts.hostname:
        raise SettingsError("GIURIA_SMTP_URL: expected a server name, as in smtp+starttls://user:password@host:587")
    return raw


def _check_mail_from(raw: str) -> str:
    _name, address = parseaddr(raw)
    if "@" not in address or "\n" in raw or "\r" in raw:
        raise SettingsError(f"GIURIA_MAIL_FROM: expected an address such as 'Giuria <no-reply@example.org>', "
                            f"got {raw!r}")
    return raw


def _check_audit_key(raw: str) -> str:
    if raw and _weak(raw):
        raise SettingsError(f"GIURIA_AUDIT_KEY: too weak; expected at least {MIN_SECRET_LENGTH} random characters "
                            "(or leave it unset to derive the key from GIURIA_SECRET_KEY)")
    return raw


def _weak(secret: str) -> bool:
    return len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10


def _development_secret(data_dir: Path) -> str:
    """Generated once and kept in the data directory, so sessions survive restarts."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    alphabet = string.ascii_letters + string.digits
    secret = "".join(secrets.choice(alphabet) for _ in range(48))
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return secret


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and validate GIURIA_* variables; raise SettingsError naming the first bad one."""
    env_vars = dict(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return env_vars.get(f"GIURIA_{name}", default).strip()

    env = get("ENV", "development")
    if env not in ENVIRONMENTS:
        raise SettingsError(f"GIURIA_ENV: expected one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    data_dir = Path(get("DATA_DIR", "var")).expanduser()
    database_url = get("DATABASE_URL")
    if database_url:
        _check_url("GIURIA_DATABASE_URL", database_url, ("postgresql", "postgres", "sqlite"))
    base_url = _check_url("GIURIA_BASE_URL", get("BASE_URL", "http://127.0.0.1:8000"), ("http", "https"))
    redis_url = get("REDIS_URL")
    if redis_url:
        _check_url("GIURIA_REDIS_URL", redis_url, ("redis", "rediss", "unix"))
    smtp_url = get("SMTP_URL")
    if smtp_url:
        _check_smtp_url(smtp_url)
    plugins_dir_raw = get("PLUGINS_DIR")
    plugins_dir = Path(plugins_dir_raw).expanduser() if plugins_dir_raw else None
    if plugins_dir is not None and not plugins_dir.is_dir():
        raise SettingsError(f"GIURIA_PLUGINS_DIR: expected an existing directory, got {plugins_dir_raw!r}")
    time_zone = get("TIME_ZONE", "Europe/Rome")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"GIURIA_TIME_ZONE: expected an IANA time zone such as Europe/Rome, "
                            f"got {time_zone!r}") from None
    default_language = get("DEFAULT_LANGUAGE", "it")
    if default_language not in ("it", "en"):
        raise SettingsError(f"GIURIA_DEFAULT_LANGUAGE: expected it or en, got {default_language!r}")

    secret_key = get("SECRET_KEY")
    if env == "production":
        if not secret_key:
            raise SettingsError("GIURIA_SECRET_KEY: required when GIURIA_ENV=production "
                                f"(at least {MIN_SECRET_LENGTH} random characters)")
        if _weak(secret_key):
            raise SettingsError(f"GIURIA_SECRET_KEY: too weak; expected at least {MIN_SECRET_LENGTH} "
                                "random characters")
    elif not secret_key:
        secret_key = _development_secret(data_dir)

    return Settings(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret_key,
        base_url=base_url.rstrip("/"),
        smtp_url=smtp_url,
        mail_from=_check_mail_from(get("MAIL_FROM", "Giuria <no-reply@localhost>")),
        mail_interval_seconds=_require_int("GIURIA_MAIL_INTERVAL_SECONDS", get("MAIL_INTERVAL_SECONDS", "5"),
                                           minimum=0),
        trusted_proxies=get("TRUSTED_PROXIES", "127.0.0.1"),
        plugins_dir=plugins_dir,
        default_language=default_language,
        time_zone=time_zone,
        db_pool_size=_require_int("GIURIA_DB_POOL_SIZE", get("DB_POOL_SIZE", "10"), minimum=0),
        login_attempts_per_ip=_require_int("GIURIA_LOGIN_ATTEMPTS_PER_IP",
                                           get("LOGIN_ATTEMPTS_PER_IP", "20"), minimum=1),
        login_attempts_per_account=_require_int("GIURIA_LOGIN_ATTEMPTS_PER_ACCOUNT",
                                                get("LOGIN_ATTEMPTS_PER_ACCOUNT", "5"), minimum=1),
        login_window_seconds=_require_int("GIURIA_LOGIN_WINDOW_SECONDS",
                                          get("LOGIN_WINDOW_SECONDS", "900"), minimum=1),
        login_attempts_per_account_hour=_require_int("GIURIA_LOGIN_ATTEMPTS_PER_ACCOUNT_HOUR",
                                                     get("LOGIN_ATTEMPTS_PER_ACCOUNT_HOUR", "50"), minimum=1),
        max_upload_mb=_require_int("GIURIA_MAX_UPLOAD_MB", get("MAX_UPLOAD_MB", "20"), minimum=1),
        reminder_interval_hours=_require_int("GIURIA_REMINDER_INTERVAL_HOURS",
                                             get("REMINDER_INTERVAL_HOURS", "24"), minimum=0),
        job_interval_seconds=_require_int("GIURIA_JOB_INTERVAL_SECONDS", get("JOB_INTERVAL_SECONDS", "2"), minimum=0),
        large_round_reviews=_require_int("GIURIA_LARGE_ROUND_REVIEWS", get("LARGE_ROUND_REVIEWS", "3000"),
                                         minimum=1),
        large_export_rows=_require_int("GIURIA_LARGE_EXPORT_ROWS", get("LARGE_EXPORT_ROWS", "20000"), minimum=1),
        audit_key=_check_audit_key(get("AUDIT_KEY")),
        api_requests_per_minute=_require_int("GIURIA_API_REQUESTS_PER_MINUTE", get("API_REQUESTS_PER_MINUTE", "600"),
                                             minimum=1),
        redis_url=redis_url,
        audience_votes_per_address_minute=_require_int(
            "GIURIA_AUDIENCE_VOTES_PER_ADDRESS_MINUTE", get("AUDIENCE_VOTES_PER_ADDRESS_MINUTE", "120"), minimum=1),
        audience_burst_per_address=_require_int("GIURIA_AUDIENCE_BURST_PER_ADDRESS",
                                                get("AUDIENCE_BURST_PER_ADDRESS", "30"), minimum=1),
        audience_burst_per_agent=_require_int("GIURIA_AUDIENCE_BURST_PER_AGENT",
                                              get("AUDIENCE_BURST_PER_AGENT", "80"), minimum=1),
        audience_burst_seconds=_require_int("GIURIA_AUDIENCE_BURST_SECONDS", get("AUDIENCE_BURST_SECONDS", "60"),
                                            minimum=1),
    )
