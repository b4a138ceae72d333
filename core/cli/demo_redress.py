"""The demo's clarification and appeals: during the 2026 online jury a juror asked the demo finalist
(candidato001) a question, which the organiser approved and the applicant answered; after the finalists were
announced two applicants who did not advance appealed, and the organiser dismissed one appeal and upheld the other,
sending that entry back for review by jurors who had not read it."""

from __future__ import annotations

from datetime import timedelta

from core.people import accounts
from core.platform import db
from core.platform.identity import SessionUser
from core.platform.tables import Account, Application, Assignment, Clarification, Decision, Round
from core.results import appeals

QUESTION = ("Nel piano scrivete che inserirete persone svantaggiate già dal primo anno: quante, con quale "
            "contratto e chi le segnala?")
ANSWER = ("Tre persone nel primo anno, con contratto a tempo indeterminato part-time (24 ore). Ce le segnalano i "
          "servizi sociali del Comune e il centro per l'impiego, con cui abbiamo già un protocollo firmato.")
APPEALS = (
    ("factual", "La scheda di valutazione riporta che non abbiamo ancora clienti, ma nella sezione 4 abbiamo "
                "allegato due contratti firmati con RSA della provincia. Chiediamo che la proposta sia rivista.",
     "dismiss", "", "Abbiamo riletto la proposta e le schede: i due contratti sono stati considerati dai giurati, "
                    "come risulta dai loro commenti. Il punteggio dipende da altri criteri. Il ricorso è respinto."),
    ("conflict", "Abbiamo saputo che uno dei giurati è consigliere di una cooperativa che partecipa allo stesso "
                 "bando nel nostro ambito e non lo ha dichiarato.",
     "uphold", "review", "Il giurato indicato collabora con un'organizzazione concorrente e non aveva dichiarato il "
                         "conflitto. La proposta torna alla valutazione di giurati che non l'avevano letta."),
)
WINDOW_DAYS = 15


async def load_redress_demo(*, organiser: SessionUser, edition_slug: str, base_url: str) -> None:
    """One answered clarification in the screening round, then one dismissed and one upheld appeal."""
    screening = await Round.select(Round.id, Round.edition, Round.opens_at).where(
        Round.edition.slug == edition_slug, Round.code == "R1").first()
    applicant = await Account.select(Account.id).where(Account.email == "candidato001@giuria.example").first()
    entry = await Application.select(Application.id).where(
        Application.edition == screening["edition"], Application.applicant == applicant["id"]).first()
    juror = await Assignment.select(Assignment.juror).where(
        Assignment.round == screening["id"], Assignment.application == entry["id"]).order_by(Assignment.id).first()
    asked = screening["opens_at"] + timedelta(days=4)
    # Written as the services left it during the online jury (long closed now): asked, approved, answered, shown.
    async with db.write_transaction():
        await Clarification.insert(Clarification(
            round=screening["id"], application=entry["id"], asked_by=juror["juror"], question=QUESTION,
            question_sent=QUESTION, status="shown", reviewed_by=organiser.id, reviewed_at=asked + timedelta(hours=20),
            due_at=asked + timedelta(days=8), answer=ANSWER, answered_at=asked + timedelta(days=3),
            answer_shown=ANSWER, shown_at=asked + timedelta(days=3), created_at=asked))

    await appeals.set_appeal_window(actor=organiser, edition_slug=edition_slug, round_code="R1", days=WINDOW_DAYS)
    rejected = await Decision.select(Decision.application, Decision.application.applicant,
                                     Decision.published_at).where(
        Decision.round == screening["id"], Decision.outcome == "not_advanced").order_by(Decision.application)
    for decision, (ground, text, verdict, effect, reasons) in zip(rejected[:len(APPEALS)], APPEALS, strict=True):
        published = decision["published_at"]
        user = await accounts.load_session_user(decision["application.applicant"], 0)
        assert user is not None
        appeal_id = await appeals.file_appeal(user=user, application_id=decision["application"],
                                              round_id=screening["id"], ground=ground, text=text,
                                              now=published + timedelta(days=3), base_url=base_url)
        # Upheld on a conflict: the organiser names the first juror of the entry's panel as the one in conflict.
        named = await Assignment.select(Assignment.juror).where(
            Assignment.round == screening["id"], Assignment.application == decision["application"],
            Assignment.status != "recused").order_by(Assignment.id).first() if ground == "conflict" else None
        await appeals.decide_appeal(actor=organiser, edition_slug=edition_slug, appeal_id=appeal_id, verdict=verdict,
                                    reasons=reasons, effect=effect, base_url=base_url,
                                    conflicted_juror=named["juror"] if named else "",
                                    now=published + timedelta(days=9))
