"""Translations: English message ids, Italian catalog; the language follows the current request.

Catalogs are `.po` files compiled in memory at start-up (no binary files in the repository,
no build step). The current language lives in a context variable set per request.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import format_percent as babel_format_percent

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}

_current_language: ContextVar[str] = ContextVar("giuria_language", default=DEFAULT_LANGUAGE)


@cache
def catalog(language: str) -> gettext_module.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext_module.NullTranslations()
    with path.open("rb") as po_file:
        parsed = read_po(po_file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed, use_fuzzy=False)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def current_language() -> str:
    return _current_language.get()


def set_language(language: str):
    """Set the language for the rest of this context; returns a token for reset."""
    return _current_language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render in `code` for the duration, e.g. a mail in the recipient's language."""
    token = set_language(code)
    try:
        yield
    finally:
        _current_language.reset(token)


def gettext(message: str) -> str:
    return catalog(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` as meant in `context`, for an English word that takes two words in Italian."""
    return catalog(current_language()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return catalog(current_language()).npgettext(context, singular, plural, n)


_ = gettext


def pick(label: Mapping[str, str] | str | None, language_code: str | None = None) -> str:
    """The text of a translated label in the current language, falling back to any it has."""
    if not label:
        return ""
    if isinstance(label, str):
        return label
    code = language_code or current_language()
    return label.get(code) or label.get(DEFAULT_LANGUAGE) or next(iter(label.values()), "")


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, or None."""
    if not accept_language:
        return None
    choices = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((quality, tag.strip().lower().split("-")[0]))
    for _quality, code in sorted(choices, key=lambda c: -c[0]):
        if code in LANGUAGES:
            return code
    return None


@cache
def babel_locale(code: str) -> Locale:
    """Parsed once per language: Babel would otherwise parse the locale on every date it formats."""
    return Locale.parse(code)


def format_moment(value: datetime | None, zone: str = "Europe/Rome") -> str:
    """A moment shown in the competition's time zone, in the reader's language: "30 aprile 2026, 12:00"."""
    if value is None:
        return ""
    return _moment(value, zone, current_language())


# Babel's formatting is the dearest part of a page listing dates or prizes, and its result depends only on its
# arguments: kept per (value, zone or type, language), so a page shown again formats nothing twice.
FORMATTED_KEPT = 4096


@lru_cache(maxsize=FORMATTED_KEPT)
def _moment(value: datetime, zone: str, code: str) -> str:
    local = value.astimezone(ZoneInfo(zone))
    language = babel_locale(code)
    day = format_date(local, format="long", locale=language)
    return f"{day}, {format_time(local, format='short', locale=language)}"


def format_day(value: date | datetime | None, zone: str = "Europe/Rome") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    return format_date(value, format="long", locale=babel_locale(current_language()))


def format_money(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    return _money(value, type(value), current_language())


@lru_cache(maxsize=FORMATTED_KEPT)
def _money(value: Decimal | float, _kind: type, language: str) -> str:
    pattern = babel_locale(language).currency_formats["standard"].pattern
    if float(value).is_integer():
        pattern = pattern.replace(".00", "")
    return format_currency(value, "EUR", format=pattern, locale=language, currency_digits=False)


def _digits(pattern: str, digits: int) -> str:
    return pattern + ("." + "0" * digits if digits > 0 else "")


def format_decimal(value: float | Decimal | None, digits: int = 2, *, signed: bool = False) -> str:
    """A score or statistic with a fixed number of decimals in the reader's language: "4,67", "4.67"."""
    if value is None:
        return ""
    return _decimal(value, type(value), digits, signed, current_language())


@lru_cache(maxsize=FORMATTED_KEPT)
def _decimal(value: float | Decimal, _kind: type, digits: int, signed: bool, language: str) -> str:
    pattern = _digits("#,##0", digits)
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return babel_format_decimal(value, format=pattern, locale=babel_locale(language))


def format_number(value: float | Decimal | int | None, max_digits: int = 3) -> str:
    """A number as short as it is exact, up to `max_digits` decimals: "3,5", "20.000", "12"."""
    if value is None:
        return ""
    return _number(value, type(value), max_digits, current_language())


@lru_cache(maxsize=FORMATTED_KEPT)
def _number(value: float | Decimal | int, _kind: type, max_digits: int, language: str) -> str:
    pattern = "#,##0" + ("." + "#" * max_digits if max_digits > 0 else "")
    return babel_format_decimal(value, format=pattern, locale=babel_locale(language))


def format_percent(value: float | Decimal | None, digits: int = 0) -> str:
    """A share (0.12) as a percentage in the reader's language, Babel's pattern for it: "12%"."""
    if value is None:
        return ""
    locale = babel_locale(current_language())
    pattern = locale.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("0%", "0." + "#" * digits + "%")
    return babel_format_percent(value, format=pattern, locale=locale)
