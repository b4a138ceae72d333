"""Small-cell suppression: the counts a published table may show without pointing at anyone."""

from __future__ import annotations

from collections.abc import Mapping

# Groups smaller than this are hidden so that no applicant can be singled out.
MIN_CELL = 5


def suppress_column(cells: Mapping[str, int], total: int) -> tuple[dict[str, int | None], int | None]:
    """Hide counts from 1 to MIN_CELL-1; if exactly one cell is hidden, hide a second one too.

    With the total shown, a single hidden cell is the total minus the others: hiding the smallest
    non-zero cell still shown (else the total itself) keeps it unknowable. Zero cells are shown:
    an empty group points at nobody. Returns the cells and the total as they may be shown.
    """
    shown: dict[str, int | None] = {k: (None if 0 < v < MIN_CELL else v) for k, v in cells.items()}
    shown_total: int | None = None if 0 < total < MIN_CELL else total
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1 and shown_total is not None:
        candidates = sorted((v, k) for k, v in shown.items() if v)
        if candidates:
            shown[candidates[0][1]] = None
        else:
            shown_total = None
    return shown, shown_total
