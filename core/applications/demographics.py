"""Team make-up as statistics see it: gender and age-band codes, their names, and one group per team.

Members' genders and age bands feed aggregate tables only (the sponsors' funnel, the fairness audit);
both read them here so that a group means the same thing in every table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

GENDERS: dict[str, dict[str, str]] = {"f": {"it": "Donne", "en": "Women"}, "m": {"it": "Uomini", "en": "Men"},
                                      "x": {"it": "Altro", "en": "Other"}}
AGE_BANDS: dict[str, dict[str, str]] = {
    "under_25": {"it": "Meno di 25", "en": "Under 25"}, "25_34": {"it": "25–34", "en": "25–34"},
    "35_44": {"it": "35–44", "en": "35–44"}, "45_54": {"it": "45–54", "en": "45–54"},
    "55_plus": {"it": "55 e oltre", "en": "55 and over"}}
# A team's gender group: more women than men, more men than women, as many of each (or others).
TEAM_GENDERS: dict[str, dict[str, str]] = {
    "women_led": {"it": "Team a maggioranza femminile", "en": "Mostly women"},
    "men_led": {"it": "Team a maggioranza maschile", "en": "Mostly men"},
    "balanced": {"it": "Team paritari", "en": "Balanced"}}


def age_band_of(age: float | int | None) -> str:
    """The age band of a person of `age` years ("" when the age is unknown)."""
    if not isinstance(age, int | float):
        return ""
    for limit, band in ((25, "under_25"), (35, "25_34"), (45, "35_44"), (55, "45_54")):
        if age < limit:
            return band
    return "55_plus"


def gender_code(raw: str) -> str:
    """A member's gender as typed ("Donna", "M", "female"…) as f, m or x; "" when not given."""
    text = (raw or "").strip().lower()
    if not text:
        return ""
    if text in ("f", "femmina", "donna", "female", "woman", "w", "d"):
        return "f"
    if text in ("m", "maschio", "uomo", "male", "man", "u"):
        return "m"
    return "x"


def team_gender(genders: Iterable[str]) -> str:
    """The team's gender group from its members' codes; "" when no member gave one."""
    counts = Counter(g for g in genders if g)
    if not counts:
        return ""
    if counts["f"] > counts["m"]:
        return "women_led"
    if counts["m"] > counts["f"]:
        return "men_led"
    return "balanced"


def team_age_band(bands: Iterable[str]) -> str:
    """The age band most of the team's members are in (the younger band on a tie); "" when none is known."""
    counts = Counter(b for b in bands if b in AGE_BANDS)
    if not counts:
        return ""
    order = list(AGE_BANDS)
    return max(counts, key=lambda b: (counts[b], -order.index(b)))
