"""Demo data for juror calibration: in the 2026 edition's online jury (closed), two reference entries whose agreed
scores are the rounded mean of the reviews the panel gave them, and the jurors' feedback switched on as it was
during the round. The drift page reads the reviews the demo already holds."""

from __future__ import annotations

from datetime import datetime

from core.platform import db
from core.platform.tables import CriterionScore, ReferenceEntry, Review, Round


async def show_calibration(*, edition_id: int, organiser_id: int, at: datetime) -> None:
    """Mark the two entries with the most submitted reviews (the lowest numbers first) as reference entries."""
    round_row = await Round.select(Round.id, Round.settings).output(load_json=True).where(
        Round.edition == edition_id, Round.code == "R1").first()
    if round_row is None:
        return
    reviews = await Review.select(Review.id, Review.assignment.application).where(
        Review.assignment.round == round_row["id"], Review.status == "submitted")
    per_entry: dict[int, list[int]] = {}
    for row in reviews:
        per_entry.setdefault(row["assignment.application"], []).append(row["id"])
    chosen = sorted(per_entry, key=lambda entry: (-len(per_entry[entry]), entry))[:2]
    async with db.write_transaction():
        for entry in chosen:
            scores = await CriterionScore.select(CriterionScore.criterion, CriterionScore.value).where(
                CriterionScore.review.is_in(per_entry[entry]))
            values: dict[str, list[float]] = {}
            for score in scores:
                if score["value"] is not None:
                    values.setdefault(score["criterion"], []).append(float(score["value"]))
            agreed = {code: round(sum(v) / len(v) * 2) / 2 for code, v in sorted(values.items())}  # half points
            await ReferenceEntry.insert(ReferenceEntry(
                round=round_row["id"], application=entry, source="agreed", agreed=agreed, created_by=organiser_id,
                confirmed_at=at, created_at=at))
        settings = dict(round_row["settings"] or {})
        settings["juror_feedback"] = True
        await Round.update({Round.settings: settings}).where(Round.id == round_row["id"])
