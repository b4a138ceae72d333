"""The demo's feedback to applicants: the online jury's comments for the applicants, two of them moderated by the
organiser (one reworded, one withheld, each with its reason), and the round's feedback released to everyone."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.platform import db
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import CriterionScore, Review
from core.results import feedback

# What a juror tells an applicant about their weakest criterion, and about their strongest.
ADVICE = {
    "IMP": "Definite meglio chi beneficia del progetto e con quali indicatori misurerete l'impatto.",
    "INN": "Spiegate che cosa distingue la vostra soluzione dalle alternative già presenti sul territorio.",
    "SOS": "Il piano economico va rafforzato: mancano le ipotesi di ricavo per il secondo e il terzo anno.",
    "TEA": "Il team è piccolo per il piano proposto: indicate quali competenze cercherete e come.",
    "RET": "Coinvolgete fin da ora enti locali e altre realtà del terzo settore per rendere il modello replicabile.",
}
PRAISE = {
    "IMP": "L'impatto sociale è chiaro e ben documentato.",
    "INN": "La soluzione è originale e usa la tecnologia in modo sensato.",
    "SOS": "Il modello di ricavi è credibile e poco dipendente dai contributi.",
    "TEA": "Il team ha competenze complementari ed esperienza nel settore.",
    "RET": "La rete di partner sul territorio è un punto di forza.",
}
HARSH = "Il piano economico è debolissimo, così non sta in piedi."
REWORDED = ("Il piano economico va rafforzato: mancano le ipotesi di ricavo e i costi del personale "
            "per i primi tre anni.")
OFF_LIMITS = "Molto simile al progetto della cooperativa di Lecce che ho valutato ieri, ma meno maturo."


async def demo_feedback(*, organiser: SessionUser, slug: str, edition_id: int, settings: Settings,
                        at: datetime) -> None:
    """Comments on two reviews in three, written from each review's own scores; then moderation and release."""
    reviews = await Review.select(Review.id, Review.assignment.application).where(
        Review.assignment.round.edition == edition_id, Review.assignment.round.code == "R1",
        Review.status == "submitted").order_by(Review.id)
    scores: dict[int, dict[str, float]] = {}
    for row in await CriterionScore.select(CriterionScore.review, CriterionScore.criterion, CriterionScore.value).where(
            CriterionScore.review.is_in([r["id"] for r in reviews])):
        scores.setdefault(row["review"], {})[row["criterion"]] = row["value"] or 0
    written: dict[int, list[int]] = {}
    async with db.write_transaction():
        for index, review in enumerate(reviews):
            if index % 3 == 2 or review["id"] not in scores:
                continue
            values = scores[review["id"]]
            weakest = min(values, key=lambda code: (values[code], code))
            strongest = max(values, key=lambda code: (values[code], code))
            text = ADVICE[weakest] if values[strongest] <= values[weakest] else \
                f"{PRAISE[strongest]} {ADVICE[weakest]}"
            await Review.update({Review.feedback_to_applicant: text}).where(Review.id == review["id"])
            written.setdefault(review["assignment.application"], []).append(review["id"])
    # Two comments the organiser must not pass on as written: one harsh, one naming another entry.
    entries = sorted(written)
    harsh, named = written[entries[1]][0], written[entries[2]][0]
    await Review.update({Review.feedback_to_applicant: HARSH}).where(Review.id == harsh)
    await Review.update({Review.feedback_to_applicant: OFF_LIMITS}).where(Review.id == named)
    await feedback.moderate_comment(actor=organiser, edition_slug=slug, round_code="R1", application_id=entries[1],
                                    review_id=harsh, text=REWORDED, withheld=False,
                                    reason="Tono reso costruttivo; il contenuto resta quello del giurato.")
    await feedback.moderate_comment(actor=organiser, edition_slug=slug, round_code="R1", application_id=entries[2],
                                    review_id=named, text="", withheld=True,
                                    reason="Il commento cita un'altra proposta in gara.")
    await feedback.release_feedback(actor=organiser, edition_slug=slug, round_code="R1", settings=settings,
                                    now=at + timedelta(days=2))
