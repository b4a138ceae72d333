"""Merge new message ids into the Italian catalog, optionally seeding translations from a Python dict file.

Usage: python tools/update_catalog.py [SEED.py ...]   (run `make messages` first to refresh messages.pot)

Each seed file defines IT = {msgid: italian, or (singular, plural)}; every file in tools/seeds/ is read too,
so parallel branches each keep their own seed file and a merge only re-runs this script.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "core" / "locale"


def _translated(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def main() -> None:
    seed: dict = {}
    seed_files = sorted((Path(__file__).resolve().parent / "seeds").glob("*.py")) + [Path(a) for a in sys.argv[1:]]
    for seed_file in seed_files:
        seed.update(runpy.run_path(str(seed_file)).get("IT", {}))
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
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key and not _translated(message.string) and key in seed:
            message.string = seed[key]
    catalog.obsolete.clear()
    with po_path.open("wb") as po_file:
        write_po(po_file, catalog, width=100, omit_header=False, sort_output=False)
    missing = [m.id for m in catalog if m.id and not _translated(m.string)]
    print(f"{po_path}: {len(catalog)} messages, {len(missing)} untranslated")
    for message_id in missing:
        print("  missing:", message_id)


if __name__ == "__main__":
    main()
