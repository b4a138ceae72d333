"""An edition's public page as it shows it: the timeline's moments and the partners' roles worked out once per
visit in the reader's language, so the page's loops (the busiest page anyone can open) only write them out."""

from __future__ import annotations

from dataclasses import dataclass

from core.editions.competitions import EditionLanding
from core.platform import i18n
from web import labels
from web.templating import translation


@dataclass(slots=True)
class TimelineStep:
    label: str
    starts_at: str  # ISO 8601, for <time datetime>
    starts_text: str  # in the edition's time zone and the reader's language
    ends_at: str = ""  # "" for a step with no end
    ends_text: str = ""


@dataclass(slots=True)
class PartnerLine:
    name: str
    role: str


def timeline_steps(page: EditionLanding) -> list[TimelineStep]:
    zone = page.summary.time_zone
    return [TimelineStep(label=i18n.pick(step["label"]), starts_at=step["starts_at"].isoformat(),
                         starts_text=i18n.format_moment(step["starts_at"], zone),
                         ends_at=step["ends_at"].isoformat() if step["ends_at"] else "",
                         ends_text=i18n.format_moment(step["ends_at"], zone) if step["ends_at"] else "")
            for step in page.timeline]


def partner_lines(page: EditionLanding) -> list[PartnerLine]:
    """Each partner with its role's name (an unknown role as it is stored)."""
    return [PartnerLine(name=partner["name"], role=translation(labels.PARTNER_ROLE[partner["role"]])
                        if partner["role"] in labels.PARTNER_ROLE else partner["role"])
            for partner in page.partners]
