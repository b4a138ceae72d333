"""Names of statuses, roles and partner roles, marked for translation and translated at render time."""


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
MAIL_STATUS = {"queued": N_("queued"), "sent": N_("sent"), "failed": N_("failed")}
