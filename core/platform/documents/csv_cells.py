"""CSV cells that no spreadsheet reads as a formula; kept apart from tabular.py so that the command line, which
writes CSV without workbooks, does not import openpyxl."""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start (after optional spaces) at the start of a field or of any piece a spreadsheet may split it into:
# Italian Excel splits on ";" whatever the quotes say, others on "," or tab, and a line break starts a row.
_FORMULA_START = re.compile(r"(?:^|(?<=[;,\t\r\n]))( *)(?=[=+\-@\t\r])")


def csv_field(value: Any) -> Any:
    """A value as a CSV field that no spreadsheet reads as a formula: text gets "'" before every formula start.

    Every CSV the platform writes goes through this (exports, sponsor reports, the audit log, `giuria score` and
    `giuria assign` output); numbers are left alone, they are never formulas.
    """
    if isinstance(value, str) and _FORMULA_START.search(value):  # most text has none: no template to expand
        return _FORMULA_START.sub(r"\1'", value)
    return value
