"""The Jinja2 environment: autoescaped, translated, with filters for labels, dates and money."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from core import i18n
from core.geography import REGIONS
from web import labels

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def format_moment(value: datetime | None, zone: str = "Europe/Rome") -> str:
    """A moment shown in the competition's time zone, in the reader's language: "30 aprile 2026, 12:00"."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    language = i18n.current_language()
    day = format_date(local, format="long", locale=language)
    return f"{day}, {format_time(local, format='short', locale=language)}"


def format_day(value: date | datetime | None, zone: str = "Europe/Rome") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    return format_date(value, format="long", locale=i18n.current_language())


def format_money(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    language = i18n.current_language()
    pattern = Locale.parse(language).currency_formats["standard"].pattern
    if float(value).is_integer():
        pattern = pattern.replace(".00", "")
    return format_currency(value, "EUR", format=pattern, locale=language, currency_digits=False)


def build_environment(extra_template_dirs: list[Path] | None = None) -> Environment:
    loaders = [FileSystemLoader(str(path)) for path in extra_template_dirs or ()]
    loaders.append(FileSystemLoader(str(TEMPLATE_DIR)))
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    environment.filters.update(t=i18n.pick, moment=format_moment, day=format_day, money=format_money)
    environment.globals.update(
        current_language=i18n.current_language,
        language_names=i18n.LANGUAGE_NAMES,
        languages=i18n.LANGUAGES,
        status_labels=labels.EDITION_STATUS,
        role_labels=labels.ROLE,
        partner_roles=labels.PARTNER_ROLE,
        application_status=labels.APPLICATION_STATUS,
        decision_outcomes=labels.DECISION_OUTCOME,
        regions=REGIONS,
    )
    return environment
