"""Italian and English ship complete: every message in code and templates has an Italian translation."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [
    ("core/**.py", "python"), ("web/**.py", "python"), ("plugins/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
    ("core/messaging/mail_templates/**.html", "jinja2"), ("core/messaging/mail_templates/**.txt", "jinja2"),
]
OPTIONS = {pattern: {"extensions": "jinja2.ext.i18n"} for pattern, method in METHODS if method == "jinja2"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3)}


def extracted_messages() -> set[tuple[str | None, str]]:
    """(context, message) of every message; the context is None but where pgettext gives one."""
    messages = set()
    for _filename, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS,
    ):
        messages.update((context, m) for m in (message if isinstance(message, tuple) else (message,)) if m)
    return messages


def italian_catalog():
    with (ROOT / "core" / "platform" / "locale" / "it" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="it")


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_message_has_an_italian_translation():
    translated = set()
    for message in italian_catalog():
        if message.id and all(_strings(message)) and "fuzzy" not in message.flags:
            translated.update((message.context, m) for m in _ids(message))
    missing = sorted(extracted_messages() - translated, key=str)
    assert missing == [], "run `make messages` and translate these in core/platform/locale/it/LC_MESSAGES/messages.po"


def test_translations_keep_their_placeholders():
    """A translation may drop {count} in a singular form, but never invent or lose another placeholder."""
    for message in italian_catalog():
        if not message.id:
            continue
        source = set().union(*(re.findall(r"{\w+}", text) for text in _ids(message)))
        for text in _strings(message):
            found = set(re.findall(r"{\w+}", text))
            assert found <= source and source - found <= {"{count}"}, message.id


def test_there_is_something_to_check():
    assert len(extracted_messages()) > 50


def test_no_message_is_translated_twice():
    """The catalog merges by union across branches: a msgid added twice would keep only one translation silently."""
    text = (ROOT / "core" / "platform" / "locale" / "it" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    keys = []
    for block in text.split("\n\n"):
        context = re.search(r'^msgctxt (".*")$', block, re.M)
        message = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if message:
            keys.append((context.group(1) if context else None, message.group(1)))
    assert sorted({key for key in keys if keys.count(key) > 1}) == []


def test_messages_with_a_context_are_extracted_from_templates():
    """pgettext in a template reaches the catalog with its context: one English word, two Italian ones."""
    contexts = {context for context, _message in extracted_messages() if context}
    assert "the decision proposed for an entry" in contexts
    catalog = italian_catalog()
    entry = catalog.get("Proposal", context="the decision proposed for an entry")
    assert entry is not None and entry.string and entry.string != catalog.get("Entry").string
