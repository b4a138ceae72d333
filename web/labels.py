"""Names of statuses, roles and partner roles, marked for translation and translated at render time."""

from core.applications import lifecycle as status
from core.live import clock


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


EDITION_STATUS = {
    "draft": N_("Draft"), "open": N_("Open for applications"), "closed": N_("Applications closed"),
    "admissibility": N_("Admissibility check"), "screening": N_("Online jury at work"),
    "finalists": N_("Finalists announced"), "mentoring": N_("Mentoring path"),
    "final_pitch": N_("Final pitch"), "winners": N_("Winners announced"), "follow_up": N_("Follow-up"),
    "archived": N_("Archived"),
}
ROLE = {
    "applicant": N_("applicant"), "juror": N_("juror"), "organiser": N_("organiser"), "sponsor": N_("sponsor"),
    "mentor": N_("mentor"), "admin": N_("administrator"),
}
PARTNER_ROLE = {
    "lead_promoter": N_("lead promoter"), "co_promoter": N_("promoter"), "sponsor": N_("sponsor"),
    "financial_partner": N_("financial partner"), "scientific_partner": N_("scientific partner"),
    "incubator": N_("incubator"), "technical_partner": N_("technical partner"), "media_partner": N_("media partner"),
}
ROUND_KIND = {
    "admissibility": N_("Admissibility checklist"), "screening": N_("Screening with a rubric"),
    "final_pitch": N_("Final pitch"), "mentoring": N_("Mentoring path"), "special_award": N_("Special award"),
    "public_vote": N_("Public vote"),
}
PRIZE_KIND = {
    "cash_grant": N_("cash grant"), "loan_offer": N_("loan"), "bank_account": N_("bank account"),
    "incubation": N_("incubation"), "mentorship_package": N_("mentorship package"),
    "crowdfunding_support": N_("crowdfunding support"), "special_mention": N_("special mention"),
    "audience_award": N_("audience award"),
}
ORGANISATION_KIND = {
    "foundation": N_("foundation"), "bank": N_("bank"), "incubator": N_("incubator"), "university": N_("university"),
    "company": N_("company"), "association": N_("association"), "public_body": N_("public body"),
    "other": N_("other"),
}
PRIZE_SCOPE = {"all_winners": N_("all the winners"), "finalists": N_("the finalists")}
APPLICATION_STATUS = {
    status.DRAFT: N_("Draft"), status.SUBMITTED: N_("Submitted"), status.WITHDRAWN: N_("Withdrawn"),
    status.ADMISSIBLE: N_("Admissible"), status.NOT_ADMISSIBLE: N_("Not admissible"),
    status.IN_ROUND: N_("Being judged"),
    status.ADVANCED: N_("Advanced"), status.NOT_ADVANCED: N_("Not advanced"), status.FINALIST: N_("Finalist"),
    status.WINNER: N_("Winner"), status.NOT_WINNER: N_("Not among the winners"),
}
DECISION_OUTCOME = {
    status.ADMISSIBLE: N_("admissible"), status.NOT_ADMISSIBLE: N_("not admissible"),
    status.ADVANCED: N_("advanced to the next round"),
    status.NOT_ADVANCED: N_("not advanced"), status.FINALIST: N_("finalist"), status.WINNER: N_("winner"),
    status.NOT_WINNER: N_("not among the winners"),
}
ACCOUNT_ERRORS = {
    "email_invalid": N_("Enter a valid email address."),
    "password_too_short": N_("The password needs at least 10 characters."),
    "password_too_long": N_("The password can have at most 256 characters."),
    "password_too_simple": N_("Choose a less predictable password (not your email, not repeated characters)."),
    "password_wrong": N_("The current password is not right."),
    "generic": N_("This could not be done; check what you entered."),
}
UPLOAD_ERRORS = {
    "too_large": N_("The file is larger than {limit_mb} MB. Nothing was changed; choose a smaller file."),
    "wrong_type": N_("This file's content is not of an accepted type ({expected}). Nothing was changed."),
    "wrong_type_found": N_("This file is {found}, but {expected} is expected. Nothing was changed."),
    "empty": N_("The file is empty. Nothing was changed."),
    "not_editable": N_("Files can be changed only while the application is a draft."),
    "inflates_too_much": N_("This document unpacks to more than {limit_mb} MB, far more than its size suggests: it "
                            "may be built to overload whoever opens it. Nothing was changed; save it again from your "
                            "office program, or export it as PDF."),
    "damaged": N_("This document is damaged: its parts do not match what it declares. Nothing was changed; save it "
                  "again from your office program, or export it as PDF."),
}
MAIL_STATUS = {"queued": N_("queued"), "sent": N_("sent"), "failed": N_("failed")}
REVIEW_STATE = {
    "to_check": N_("conflict check needed"), "assigned": N_("to review"), "started": N_("draft"),
    "submitted": N_("submitted"), "recused": N_("released"),
}
CONFLICT_KIND = {
    "personal": N_("Personal (family, friendship)"), "financial": N_("Financial (investment, payment)"),
    "organisational": N_("Organisational (same organisation, partnership)"), "other": N_("Other"),
}
CONFLICT_RULE = {
    "same_organisation": N_("same organisation"),
    "same_email_domain": N_("same email domain"),
    "sponsor_prize": N_("works for the sponsor of a prize the entry competes for"),
    "mentor": N_("mentor of the entry"),
    "declared": N_("declared by the juror"),
    "released": N_("released the entry earlier"),
}
SIDE_CONSTRAINT = {
    "expert per entry": N_("A track expert on every entry"), "org cap": N_("Jurors of one organisation per entry"),
    "pair cap": N_("Entries any two jurors share"),
}
ASSIGNMENT_ORIGIN = {"engine": N_("engine"), "solver": N_("engine"), "manual": N_("by hand")}
MENTORING = {
    "match": {"proposed": N_("proposed"), "confirmed": N_("confirmed"), "rematch_requested": N_("re-match requested"),
              "ended": N_("ended")},
    "session": {"scheduled": N_("scheduled"), "held": N_("held"), "cancelled": N_("cancelled"),
                "no_show": N_("the startup did not come")},
    "mode": {"in_person": N_("in person"), "online": N_("online")},
    "milestone": {"planned": N_("to deliver"), "submitted": N_("delivered, awaiting review"),
                  "approved": N_("approved"), "needs_rework": N_("needs rework")},
    "topic": {"business_plan": N_("business plan"), "impact_measurement": N_("impact measurement"),
              "fundraising": N_("fundraising"), "legal_form": N_("legal form"), "marketing": N_("marketing"),
              "technology": N_("technology"), "governance": N_("governance")},
    "owner": {"startup": N_("startup"), "mentor": N_("mentor")},
    "attendance": {"attended": N_("attended"), "absent": N_("absent"), "excused": N_("excused")},
}
RESULT_FLAG = {
    "contested": N_("uncertain at the cut"), "one_review": N_("one review only"),
    "excluded": N_("excluded by a threshold"), "no_reviews": N_("no reviews yet"),
    "below": N_("below the threshold of {criterion}"), "component": N_("jurors not linked to the others"),
}
ADVANCEMENT_BASIS = {
    "rank": N_("by rank"), "quota_track": N_("track minimum"), "quota_area": N_("area minimum"),
    "below_cut": N_("below the cut"), "below_threshold": N_("below a criterion threshold"),
    "below_min_score": N_("below the minimum score"), "unranked": N_("not ranked"),
}
GROUPING = {"all": N_("All entries"), "track": N_("By track"), "area": N_("By area")}
JOB_STATUS = {"queued": N_("waiting"), "running": N_("running"), "done": N_("done"), "failed": N_("failed")}
EXPORT_KIND = {
    "applications": N_("Applications"), "scores-long": N_("Scores, one row per review and criterion"),
    "scores-wide": N_("Scores, one row per entry and a column per juror and criterion"),
    "rankings": N_("Ranking"), "decisions": N_("Decisions"), "verbale": N_("Deliberation record (verbale)"),
}
WEBHOOK_DELIVERY_STATUS = {"queued": N_("waiting"), "delivered": N_("delivered"), "failed": N_("failed"),
                           "cancelled": N_("cancelled")}
# Blind rounds: what cleaning removed from a file, and the kinds of identifying text suggested for redaction.
CLEANING_PART = {
    "document_information": N_("Document information"), "xmp": N_("XMP metadata"),
    "annotation": N_("Annotations"), "embedded_files": N_("Embedded files"),
    "exif": N_("EXIF (camera, author, position)"), "comment": N_("Image comment"), "iptc": N_("IPTC"),
    "png_text": N_("Image text fields"),
}
ACTIVE_CONTENT = {
    "javascript": N_("JavaScript"), "launch": N_("an action that launches a program or another file"),
    "submit_form": N_("a form that sends data to an address"), "import_data": N_("an action that imports data"),
    "embedded_file": N_("embedded files"), "xfa": N_("an XFA form, which can hold scripts"),
    "additional_actions": N_("actions run when a page or the document opens or closes"),
}
CLEANING_ERROR = {
    "encrypted": N_("It is protected by a password, so no cleaned copy can be made: jurors of a blind round do not "
                    "receive it."),
    "unreadable": N_("It could not be read to clean it, so jurors of a blind round do not receive it."),
    "too_large": N_("It is too large to clean, so jurors of a blind round do not receive it."),
}
FILE_WITHHELD = {
    "encrypted": N_("This file is protected by a password, so its author's details cannot be removed: in a blind "
                    "round it is withheld. The organisers can see why."),
    "other": N_("This file could not be cleaned of its author's details: in a blind round it is withheld. The "
                "organisers can see why."),
}
HIT_KIND = {
    "entity": N_("entity name"), "person": N_("team member"), "identifying": N_("identifying answer"),
    "tax_code": N_("tax code"), "email": N_("email address"), "social": N_("social profile"),
    "web": N_("web address"), "phone": N_("phone number"),
}
# Where the entries of a round come from, on the round's page.
PASSAGE_SOURCE = {
    status.ADMISSIBLE: N_("admissible applications"), status.ADVANCED: N_("entries advanced from the previous round"),
    status.FINALIST: N_("finalists"),
}
# Units an edition's indicators are counted in, when they are the usual ones.
UNIT = {"FTE": N_("FTE"), "EUR": N_("EUR"), "€": N_("EUR"), "people": N_("people"), "persone": N_("people"),
        "hours": N_("hours"), "%": N_("%")}
# What a mail is, by its kind or template, in the outbox.
MAIL_KIND = {
    "receipt": N_("Receipt of a submitted application"), "verify": N_("Email address check"),
    "reset": N_("Password reset"), "email_change": N_("Change of email address"),
    "invitation": N_("Invitation"), "jury_reminder": N_("Reminder to a juror"),
    "sponsor_report": N_("Sponsor report"), "milestone_reminder": N_("Milestone reminder"),
    "application/receipt": N_("Receipt of a submitted application"),
    "application/not_admissible": N_("Notice of an application that is not admissible"),
    "application/reopened": N_("Application reopened"),
    "account/verify": N_("Email address check"), "account/reset": N_("Password reset"),
    "account/reset_no_account": N_("Password reset"), "account/already_registered": N_("Already registered"),
    "account/email_change": N_("Change of email address"), "people/invitation": N_("Invitation"),
    "jury/reminder": N_("Reminder to a juror"), "sponsor/report": N_("Sponsor report"),
    "mentoring/milestone_reminder": N_("Milestone reminder"),
    "jury_calibration": N_("A juror's scores compared with the jury"),
    "jury/calibration": N_("A juror's scores compared with the jury"),
}
MAIL_KIND.update({"clarification/asked": N_("A question from the jury to an applicant"),
                  "clarification/to_approve": N_("A juror's question waiting for approval"),
                  "clarification/to_clear": N_("An answer waiting to be cleared"),
                  "appeal/filed": N_("A new appeal to decide"),
                  "appeal/decided": N_("The decision on an applicant's appeal"),
                  "appeal/reviewed": N_("The decision after an appeal's new review"),
                  "jury/appeal_review": N_("An entry sent back to a juror for review after an appeal")})
for _outcome, _label in (("advanced", N_("Notice of an entry that advances to the next round")),
                         ("not_advanced", N_("Notice of an entry that does not advance")),
                         ("finalist", N_("Notice of a finalist")), ("winner", N_("Notice of a winner")),
                         ("not_winner", N_("Notice of a finalist not among the winners"))):
    MAIL_KIND[f"decision/{_outcome}"] = MAIL_KIND[f"decision.{_outcome}"] = _label
# Words of statistics and of the solver, each explained in one line beside it (docs/glossary.md says more).
GLOSSARY = {
    "affinity": N_("Affinity: how well a juror suits an entry, higher when the juror knows the entry's track or "
                   "asked for it; the engine makes the total as high as it can."),
    "bound": N_("Bound: the highest total affinity any assignment could reach; no assignment can do better."),
    # No per-cent sign: Jinja's gettext formats the translated text with %.
    "gap": N_("Gap: how far the proposed assignment may still be from the best possible, as a share of the bound; "
              "a gap of zero means it is proven to be the best."),
    "icc": N_("ICC (intraclass correlation): how far the jurors agree on which entries are better, from 0 (not at "
              "all) to 1 (fully); above 0.75 is good agreement."),
    "alpha": N_("Krippendorff's alpha: agreement among jurors beyond what chance alone would give, from 0 to 1; "
                "0.67 or more is usually taken as enough."),
    "p_top": N_("P(top N): the chance, given how much the jurors' scores vary, that the entry truly belongs among "
                "the first N places."),
    "interval": N_("Interval: the range in which the entry's score lies with high confidence; when two intervals "
                   "overlap, the order of the two entries is uncertain."),
    "component": N_("Jurors not linked to the others: the entry's jurors share no entry with the rest of the jury, "
                    "so their strictness cannot be compared and the entry's score is less certain."),
}

# A pitch slot of the live final, as every live page names it (core.live.clock's statuses).
SLOT_STATUS = {clock.WAITING: N_("Waiting"), clock.PITCH: N_("Pitch"), clock.QA: N_("Questions and answers"),
               clock.DONE: N_("Pitch over"), clock.ABSENT: N_("Absent")}
