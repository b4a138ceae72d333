"""Merge the message ids of messages.pot into the Italian catalog, then list the ones still to translate.

Usage: make messages   (extracts messages.pot from the code and templates, then runs this script)

The catalog, core/platform/locale/it/LC_MESSAGES/messages.po, is the only source of the Italian text:
translate new entries there. It is written 100 columns wide, the width it has always had, so that a run
changes only the entries that changed.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "core" / "platform" / "locale"


def _translated(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def main() -> None:
    with (LOCALE / "messages.pot").open("rb") as template_file:
        template = read_po(template_file)
    po_path = LOCALE / "it" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale="it")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.locale = "it"
    catalog.project, catalog.version = "Giuria", "0.1"
    catalog.obsolete.clear()
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog, width=100, omit_header=False, sort_output=False)
    missing = [m.id for m in catalog if m.id and not _translated(m.string)]
    print(f"{po_path}: {len(catalog)} messages, {len(missing)} untranslated")
    for message_id in missing:
        print("  missing:", message_id)


if __name__ == "__main__":
    main()
