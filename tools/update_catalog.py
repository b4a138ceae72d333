"""Merge new message ids into the Italian catalog, optionally seeding translations from a Python dict file.

Usage: python tools/update_catalog.py [SEED.py]   (run `make messages` first to refresh messages.pot)
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "core" / "locale"


def main() -> None:
    seed = runpy.run_path(sys.argv[1])["IT"] if len(sys.argv) > 1 else {}
    with (LOCALE / "messages.pot").open("rb") as template_file:
        template = read_po(template_file)
    po_path = LOCALE / "it" / "LC_MESSAGES" / "messages.po"
    if po_path.exists():
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale="it")
        catalog.update(template, no_fuzzy_matching=True)
    else:
        template.locale = "it"
        catalog = template
    catalog.locale = "it"
    catalog.project, catalog.version = "Giuria", "0.1"
    for message in catalog:
        if message.id and not message.string and message.id in seed:
            message.string = seed[message.id]
    catalog.obsolete.clear()
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog, width=100, omit_header=False, sort_output=False)
    # A plural message has a tuple of translations, one per form: every form must be filled in.
    missing = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    print(f"{po_path}: {len(catalog)} messages, {len(missing)} untranslated")
    for message_id in missing:
        print("  missing:", message_id)


if __name__ == "__main__":
    main()
