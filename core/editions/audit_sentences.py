"""Audit events read as sentences in the reader's language, their data as labelled fields.

"Anna Rossi marked application 12 admissible" instead of `application.admissibility` and a line of JSON:
each action has a sentence, each data key a label, and codes in the data (rounds, tracks, prizes,
statuses) are shown by their names. An action without a sentence still reads as one, naming the action.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.editions.names import NO_NAMES, EditionNames
from core.platform.i18n import format_moment, format_number
from core.platform.i18n import gettext as _


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the sentence is read."""
    return message


# {actor}: who did it; {subject}: what it was done to ("application 12"); other names: the event's data.
SENTENCES: dict[str, str] = {
    "account.created": N_("{actor} created an account"),
    "account.data_exported": N_("{actor} downloaded a copy of their data"),
    "account.email_changed": N_("{actor} changed their email address"),
    "account.email_verified": N_("{actor} verified their email address"),
    "account.erased": N_("{actor} erased their account"),
    "account.password_changed": N_("{actor} changed their password"),
    "account.password_reset": N_("{actor} reset their password"),
    "account.session_ended": N_("{actor} signed out of a session"),
    "api_token.created": N_("{actor} created an API token"),
    "api_token.revoked": N_("{actor} revoked an API token"),
    "application.admissibility": N_("{actor} marked {subject} {to}"),
    "application.admissibility_notice": N_("{actor} sent the admissibility notice of {subject}"),
    "application.deadline_extended": N_("{actor} extended the deadline of {subject}"),
    "application.reopened": N_("{actor} reopened {subject}"),
    "application.started": N_("{actor} started {subject}"),
    "application.started_again": N_("{actor} started {subject} again"),
    "application.status_changed": N_("{actor} changed the status of {subject} to {to}"),
    "application.submitted": N_("{actor} submitted {subject}"),
    "application.withdrawn": N_("{actor} withdrew {subject}"),
    "assignment.accepted": N_("{actor} accepted the jurors' assignment of {subject}"),
    "assignment.added": N_("{actor} assigned a juror by hand in {subject}"),
    "assignment.proposed": N_("{actor} asked the engine for an assignment of {subject}"),
    "assignment.refilled": N_("{actor} completed the assignment of {subject}"),
    "assignment.removed": N_("{actor} removed a juror's assignment in {subject}"),
    "attachment.added": N_("{actor} attached a file to {subject}"),
    "attachment.deleted": N_("{actor} removed a file from {subject}"),
    "attachment.replaced": N_("{actor} replaced a file of {subject}"),
    "award.condition_updated": N_("{actor} updated a condition of {subject}"),
    "award.confirmed": N_("{actor} confirmed {subject}"),
    "ballot.changed": N_("{actor} changed their ranking"),
    "ballot.submitted": N_("{actor} submitted their ranking"),
    "bid.set": N_("{actor} said how much they want to review {subject}"),
    "calibration.feedback_set": N_("{actor} switched the jurors' feedback of {subject}"),
    "calibration.reference_confirmed": N_("{actor} confirmed the calibration panel's scores of {subject}"),
    "calibration.reference_marked": N_("{actor} made {subject} a reference entry"),
    "calibration.reference_removed": N_("{actor} took {subject} off the reference entries"),
    "calibration.references_given": N_("{actor} gave the reference entries of {subject} to the jurors who lacked "
                                       "them"),
    "calibration.reminder_sent": N_("{actor} sent {subject} a note on how their scores compare"),
    "checklist.changed": N_("{actor} saved a draft of the admissibility checklist of {subject}"),
    "checklist.submitted": N_("{actor} completed the admissibility checklist of {subject}"),
    "comparison.recorded": N_("{actor} compared two entries"),
    "conflict.declared": N_("{actor} declared a conflict of interest on {subject}"),
    "conflict.none_declared": N_("{actor} declared no conflict of interest on {subject}"),
    "consensus.message_posted": N_("{actor} wrote in a panel discussion"),
    "consensus.set": N_("{actor} set a consensus score"),
    "consensus.thread_opened": N_("{actor} opened a panel discussion"),
    "consent.withdrawn": N_("{actor} withdrew a consent"),
    "decisions.published": N_("{actor} published the decisions of {subject}"),
    "decisions.reconfirmed": N_("{actor} confirmed again the decisions of {subject}"),
    "decisions.staged": N_("{actor} prepared the decisions of {subject}"),
    "edition.changed": N_("{actor} changed the set-up of {subject}"),
    "edition.imported": N_("{actor} created {subject} from a competition file"),
    "export.downloaded": N_("{actor} downloaded an export"),
    "export.requested": N_("{actor} asked for an export"),
    "feedback.comment_edited": N_("{actor} edited a comment to the applicant in {subject}"),
    "feedback.comment_restored": N_("{actor} gave back the juror's own comment to the applicant in {subject}"),
    "feedback.comment_withheld": N_("{actor} withheld a comment to the applicant in {subject}"),
    "feedback.released": N_("{actor} released the feedback to applicants of {subject}"),
    "invitation.accepted": N_("{actor} accepted an invitation"),
    "invitation.resent": N_("{actor} sent an invitation again"),
    "invitation.revoked": N_("{actor} withdrew an invitation"),
    "invitation.sent": N_("{actor} sent an invitation"),
    "juror_profile.set": N_("{actor} set the tracks and load of {subject}"),
    "kpi.defined": N_("{actor} defined an indicator"),
    "kpi.plan_saved": N_("{actor} saved the indicators' plan of {subject}"),
    "kpi.reported": N_("{actor} reported an indicator of {subject}"),
    "mail_template.removed": N_("{actor} restored the standard wording of a mail"),
    "mail_template.saved": N_("{actor} reworded a mail"),
    "mentor.capacity_changed": N_("{actor} changed how many startups {subject} follows"),
    "mentor.profile_saved": N_("{actor} saved their mentor profile"),
    "mentoring.action_item_done": N_("{actor} marked an action item done"),
    "mentoring.action_item_reopened": N_("{actor} reopened an action item"),
    "mentoring.attendance_recorded": N_("{actor} recorded who attended"),
    "mentoring.confirmed": N_("{actor} confirmed a mentor's match"),
    "mentoring.mentor_ranked": N_("{actor} ranked the startups they would follow"),
    "mentoring.proposed": N_("{actor} proposed the mentors' matches"),
    "mentoring.rematch_requested": N_("{actor} asked for another match"),
    "mentoring.session_recorded": N_("{actor} recorded a mentoring session"),
    "mentoring.session_scheduled": N_("{actor} scheduled a mentoring session"),
    "mentoring.startup_ranked": N_("{actor} ranked the mentors of {subject}"),
    "milestone.defined": N_("{actor} defined a milestone"),
    "milestone.reminded": N_("{actor} reminded {subject} of a milestone"),
    "milestone.reviewed": N_("{actor} reviewed a milestone"),
    "milestone.submitted": N_("{actor} delivered a milestone of {subject}"),
    "plugin.disabled": N_("{actor} turned off a plugin"),
    "plugin.enabled": N_("{actor} turned on a plugin"),
    "redaction.accepted": N_("{actor} kept identifying text in {subject}"),
    "redaction.redacted_remaining": N_("{actor} hid the remaining identifying text in {subject}"),
    "redaction.saved": N_("{actor} saved the anonymisation of {subject}"),
    "reminder.sent": N_("{actor} reminded {subject} of the reviews due"),
    "review.changed": N_("{actor} changed {subject}"),
    "review.submitted": N_("{actor} submitted {subject}"),
    "role.granted": N_("{actor} gave {subject} the role of {role}"),
    "role.removed": N_("{actor} took the role of {role} from {subject}"),
    "round.bidding_window": N_("{actor} set when jurors bid in {subject}"),
    "round.entries_moved_in": N_("{actor} moved entries into {subject}"),
    "round.passage_undone": N_("{actor} took entries back out of {subject}"),
    "round.rubric_chosen": N_("{actor} chose the rubric of {subject}"),
    "round.scoring_closed": N_("{actor} closed scoring in {subject}"),
    "round.scoring_reopened": N_("{actor} reopened scoring in {subject}"),
    "sponsor_report.sent": N_("{actor} sent a sponsor report"),
    "validity.shared": N_("{actor} showed sponsors whether the jury picked well"),
    "validity.withdrawn": N_("{actor} stopped showing sponsors whether the jury picked well"),
    "webhook.deactivated": N_("{actor} turned off a webhook"),
    "webhook.replayed": N_("{actor} sent a webhook delivery again"),
    "webhook.secret_rotated": N_("{actor} changed a webhook's secret"),
    "webhook.subscribed": N_("{actor} added a webhook"),
}
UNKNOWN_ACTION = N_("{actor}: {action} on {subject}")
PLATFORM = N_("The platform")

SUBJECTS: dict[str, str] = {
    "account": N_("account {id}"), "application": N_("application {id}"), "assignment": N_("assignment {id}"),
    "award": N_("award {id}"), "comparison": N_("comparison {id}"), "consensus_message": N_("message {id}"),
    "consensus_thread": N_("discussion {id}"), "consent": N_("consent {id}"), "edition": N_("the edition"),
    "invitation": N_("invitation {id}"), "job": N_("job {id}"), "kpi_definition": N_("indicator {id}"),
    "mail_template": N_("mail {id}"), "mentor_match": N_("match {id}"), "mentoring_session": N_("session {id}"),
    "milestone": N_("milestone {id}"), "milestone_submission": N_("delivery {id}"),
    "organisation": N_("organisation {id}"), "plugin": N_("plugin {id}"), "ranking_ballot": N_("ranking {id}"),
    "review": N_("review {id}"), "round": N_("round {id}"), "timeline_entry": N_("date {id}"),
    "webhook_delivery": N_("webhook delivery {id}"), "webhook_subscription": N_("webhook {id}"),
}

FIELDS: dict[str, str] = {
    "added": N_("Added"), "application": N_("Application"), "applications": N_("Applications"),
    "applications_kept_anonymised": N_("Applications kept without personal data"), "as": N_("As"),
    "attachment": N_("File"), "attendance": N_("Attendance"), "back_to": N_("Back to"), "bid": N_("Bid"),
    "capacity": N_("Startups at most"), "changes": N_("Changes"), "code": N_("Condition"),
    "conditions": N_("Conditions"), "conflicts_avoided": N_("Conflicts avoided"), "count": N_("Count"),
    "date": N_("Date"), "decisions": N_("Decisions"), "decisions_to_review": N_("Decisions to review"),
    "due_on": N_("Due on"), "edited": N_("Edited"), "email": N_("Email"), "entries": N_("Entries"),
    "entry": N_("Entry"), "events": N_("Events"), "failed": N_("Failed"), "field": N_("Question"),
    "format": N_("Format"), "from": N_("From"), "gap": N_("Gap"), "index": N_("Item"), "items": N_("Items"),
    "juror": N_("Juror"), "kept": N_("Kept"), "kind": N_("Kind"), "kpi": N_("Indicator"),
    "language": N_("Language"), "loser": N_("Less convincing"), "max_load": N_("Entries at most"),
    "mentor": N_("Mentor"), "mentors": N_("Mentors"), "milestone": N_("Milestone"),
    "min_load": N_("Entries at least"), "mode": N_("How"), "name": N_("Name"), "note": N_("Note"),
    "objective": N_("Total affinity"), "opens_at": N_("Opens"), "closes_at": N_("Closes"),
    "options": N_("Options"), "original": N_("Original text"), "organisation": N_("Organisation"),
    "origin": N_("Origin"),
    "outcome": N_("Outcome"), "overlap_hours": N_("Old secret still valid (hours)"), "pairs": N_("Pairs"),
    "path": N_("Path"), "period_end": N_("Period ending"), "phase": N_("Phase"), "plugin": N_("Plugin"),
    "positions": N_("Positions"), "previous": N_("Before"), "previous_reason": N_("Earlier reason"),
    "previous_status": N_("Earlier status"), "prize": N_("Prize"), "proposal": N_("Proposal"),
    "reason": N_("Reason"), "receipt": N_("Receipt number"), "recipients": N_("Recipients"),
    "redacted": N_("Hidden"), "released": N_("Released"), "remaining": N_("Reviews due"),
    "remind_days_before": N_("Reminder (days before)"), "removed": N_("Removed"), "renewed": N_("Renewed"),
    "report": N_("Report"), "role": N_("Role"), "round": N_("Round"), "scope": N_("Scope"), "score": N_("Score"),
    "session": N_("Session"), "sha256": N_("Fingerprint (SHA-256)"), "side": N_("Asked by"),
    "size_bytes": N_("Size (bytes)"), "slug": N_("Address"), "starts_at": N_("Starts"), "status": N_("Status"),
    "subject": N_("Subject"), "suggestions": N_("Suggestions"), "thread": N_("Discussion"), "to": N_("To"),
    "token": N_("Token"), "topics": N_("Topics"), "total": N_("Total"), "track": N_("Track"),
    "text": N_("Text shown"), "tracks": N_("Tracks"), "unit": N_("Unit"), "unreviewed": N_("Not reviewed"),
    "until": N_("Until"),
    "url": N_("Address"), "value": N_("Value"), "values": N_("Scores"), "verdict": N_("Verdict"),
    "version": N_("Version"), "via": N_("Through"), "was": N_("Was"), "what": N_("What"),
    "winner": N_("More convincing"),
    "withdrawn_receipt": N_("Receipt of the withdrawn application"),
}
# Words the data carries as codes: statuses and outcomes, roles, the kinds a few events name.
WORDS: dict[str, str] = {
    "draft": N_("Draft"), "submitted": N_("Submitted"), "withdrawn": N_("Withdrawn"),
    "admissible": N_("admissible"), "not_admissible": N_("not admissible"), "in_round": N_("Being judged"),
    "advanced": N_("advanced to the next round"), "not_advanced": N_("not advanced"), "finalist": N_("finalist"),
    "winner": N_("winner"), "not_winner": N_("not among the winners"),
    "applicant": N_("applicant"), "juror": N_("juror"), "organiser": N_("organiser"), "sponsor": N_("sponsor"),
    "mentor": N_("mentor"), "admin": N_("administrator"), "chair": N_("panel chair"), "startup": N_("startup"),
    "invitation": N_("invitation"), "in_person": N_("in person"), "online": N_("online"),
    "held": N_("held"), "cancelled": N_("cancelled"), "no_show": N_("the startup did not come"),
    "approved": N_("approved"), "needs_rework": N_("needs rework"), "attended": N_("attended"),
    "absent": N_("absent"), "excused": N_("excused"), "personal": N_("Personal (family, friendship)"),
    "financial": N_("Financial (investment, payment)"),
    "organisational": N_("Organisational (same organisation, partnership)"), "other": N_("Other"),
}
# Data keys whose values are an edition's codes, and the kind of code.
CODE_KEYS = {"round": "round", "track": "track", "tracks": "track", "prize": "prize", "area": "area"}
STATUS_KEYS = {"from", "to", "status", "previous_status", "outcome", "role", "as", "mode", "verdict", "side",
               "back_to", "kind", "was"}


@dataclass(frozen=True)
class EventWords:
    """What a person reads of one event: a sentence, and the event's data as (label, value) pairs."""

    sentence: str
    subject: str
    fields: tuple[tuple[str, str], ...]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _word(value: Any) -> str:
    return _(WORDS[value]) if isinstance(value, str) and value in WORDS else _text(value)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value) if len(value) >= 16 and value[4] == "-" else None
        except ValueError:
            moment = None
        return format_moment(moment) if moment is not None and moment.tzinfo else value
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)


def field_value(key: str, value: Any, names: EditionNames = NO_NAMES) -> str:
    """One data value for people: an edition's code by its name, a status by its word, the rest as text."""
    if key in CODE_KEYS and isinstance(value, str):
        return names.label(CODE_KEYS[key], value)
    if key in CODE_KEYS and isinstance(value, list | tuple):
        return ", ".join(names.label(CODE_KEYS[key], item) if isinstance(item, str) else _text(item)
                         for item in value)
    if key in STATUS_KEYS:
        return _word(value)
    return _text(value)


def subject_words(subject_type: str, subject_id: str, data: Mapping[str, Any], names: EditionNames = NO_NAMES
                  ) -> str:
    if subject_type == "round" and isinstance(data.get("round"), str):
        return _("round {id}").format(id=names.round(data["round"]))
    if subject_type in SUBJECTS:
        return _(SUBJECTS[subject_type]).format(id=subject_id)
    return f"{subject_type} {subject_id}".strip()


def describe(*, action: str, actor: str, subject_type: str, subject_id: str, data: Mapping[str, Any],
             names: EditionNames = NO_NAMES) -> EventWords:
    """The event as a sentence in the current language, with its data as labelled fields."""
    values = _Blank({key: field_value(key, value, names) for key, value in data.items()})
    values["actor"] = actor or _(PLATFORM)
    values["subject"] = subject_words(subject_type, str(subject_id or ""), data, names)
    values["action"] = action
    template = _(SENTENCES[action]) if action in SENTENCES else _(UNKNOWN_ACTION)
    sentence = string.Formatter().vformat(template, (), values)
    fields = tuple((_(FIELDS[key]) if key in FIELDS else key.replace("_", " ").capitalize(),
                    field_value(key, value, names)) for key, value in data.items())
    return EventWords(sentence=sentence, subject=values["subject"], fields=fields)


# -- Clarifications and appeals (core.judging.clarifications, core.results.appeals) -----------------------
SENTENCES.update({
    "clarification.asked": N_("{actor} asked the applicant of entry {entry} a question"),
    "clarification.approved": N_("{actor} sent a juror's question to the applicant of entry {entry}"),
    "clarification.declined": N_("{actor} declined a juror's question about entry {entry}"),
    "clarification.answered": N_("{actor} answered the jury's question"),
    "clarification.answer_shown": N_("{actor} showed the jurors of entry {entry} the applicant's answer"),
    "appeal.filed": N_("{actor} appealed against the decision of {round}"),
    "appeal.decided": N_("{actor} decided {subject}: {verdict}"),
    "appeal.review_concluded": N_("{actor} recorded the decision after the new jurors' review of {subject}: {to}"),
    "review.excluded": N_("{actor} excluded the review of a juror with an undeclared conflict from entry {entry}, "
                          "upholding appeal {appeal}"),
    "round.appeal_window": N_("{actor} set the appeal window of {subject}"),
})
SUBJECTS.update({"clarification": N_("question {id}"), "appeal": N_("appeal {id}")})
FIELDS.update({"ground": N_("Ground"), "appeal": N_("Appeal"), "jurors": N_("New jurors"),
               "excluded": N_("Juror whose review no longer counts")})
WORDS.update({
    "procedural": N_("a procedural error"), "conflict": N_("an undeclared conflict of interest"),
    "factual": N_("a factual error in the record"), "dismissed": N_("dismissed"), "upheld": N_("upheld"),
    "review": N_("sent back for review by other jurors"), "change": N_("decision changed"),
})
STATUS_KEYS |= {"ground", "previous"}  # previous: the outcome an appeal's decision had before
