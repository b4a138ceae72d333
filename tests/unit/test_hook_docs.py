"""docs/plugins.md documents every hook by its exact signature; this fails when they drift apart."""

import inspect
import re
from pathlib import Path

from core import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def spec_signatures() -> dict[str, str]:
    signatures = {}
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("giuria_"):
            signature = inspect.signature(function)
            arguments = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
            signatures[name] = f"{name}({arguments}) -> {signature.return_annotation}"
    return signatures


def documented_signatures() -> dict[str, str]:
    headings = re.findall(r"^### `(giuria_\w+\(.*\) -> .+)`$", DOCS.read_text(encoding="utf-8"), flags=re.M)
    return {heading.split("(")[0]: heading for heading in headings}


def test_every_hook_is_documented_with_its_signature():
    assert documented_signatures() == spec_signatures()
