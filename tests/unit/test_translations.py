"""Italian and English ship complete: every message in code and templates has an Italian translation."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [
    ("core/**.py", "python"), ("web/**.py", "python"), ("plugins/**.py", "python"),
    ("web/templates/**.html", "jinja2"), ("core/templates/**.html", "jinja2"), ("core/templates/**.txt", "jinja2"),
]
OPTIONS = {pattern: {"extensions": "jinja2.ext.i18n"} for pattern, method in METHODS if method == "jinja2"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted_messages() -> set[str]:
    messages = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS,
    ):
        messages.update(message if isinstance(message, tuple) else (message,))
    return {m for m in messages if m}


def italian_catalog():
    with (ROOT / "core" / "locale" / "it" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="it")


def _forms(value) -> tuple[str, ...]:
    """A message's id or translation as a tuple: one form, or the singular and plural ones (ngettext)."""
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_an_italian_translation():
    catalog = italian_catalog()
    translated = {form for message in catalog
                  if message.id and all(_forms(message.string)) and "fuzzy" not in message.flags
                  for form in _forms(message.id)}
    missing = sorted(extracted_messages() - translated)
    assert missing == [], "run `make messages` and translate these in core/locale/it/LC_MESSAGES/messages.po"


def test_translations_keep_their_placeholders():
    for message in italian_catalog():
        if message.id and message.string:
            ids, strings = _forms(message.id), _forms(message.string)
            for index, string in enumerate(strings):
                source = ids[min(index, len(ids) - 1)]
                assert re.findall(r"{\w+}", source) == re.findall(r"{\w+}", string), message.id


def test_there_is_something_to_check():
    assert len(extracted_messages()) > 50
