"""The admissibility checklist: the items a reviewer marks pass or fail, and what a complete answer is.

A round lists its items in `settings["checklist"]`: codes of the built-in items below, or
mappings `{code, label: {it, en}, help: {it, en}}` for items of its own. Without a list, every
built-in item applies: they follow the rules of *Welfare, che impresa!*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.applications.lifecycle import ADMISSIBLE, NOT_ADMISSIBLE
from core.platform.i18n import gettext as _

SECOND_LOOK = "second_look"
OUTCOMES = (ADMISSIBLE, NOT_ADMISSIBLE, SECOND_LOOK)
MAX_REASON = 2000


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("legal_form_allowed", {"it": "Forma giuridica ammessa", "en": "Eligible legal form"},
                  {"it": "La forma giuridica è tra quelle elencate nel regolamento.",
                   "en": "The legal form is one of those listed in the rules."}),
    ChecklistItem("registered_office_italy", {"it": "Sede legale in Italia", "en": "Registered office in Italy"},
                  {"it": "Per gli enti da costituire: sede prevista in Italia.",
                   "en": "For entities still to be incorporated: the planned office is in Italy."}),
    ChecklistItem("entity_age", {"it": "Ente costituito da non più di 5 anni, o da costituire",
                                 "en": "Entity at most 5 years old, or still to be incorporated"},
                  {"it": "Data dell'atto costitutivo, oppure impegno a costituirsi entro 6 mesi.",
                   "en": "Date of the deed of incorporation, or the commitment to incorporate within 6 months."}),
    ChecklistItem("training_completed", {"it": "Percorso formativo completato", "en": "Required training completed"},
                  {"it": "Il percorso e-learning risulta completato.",
                   "en": "The e-learning path shows as completed."}),
    ChecklistItem("required_documents", {"it": "Documenti obbligatori completi", "en": "Required documents complete"},
                  {"it": "Pitch deck, statuto e atto costitutivo (se costituito), CV del team; leggibili.",
                   "en": "Pitch deck, statute and deed (if incorporated), team CVs; all readable."}),
    ChecklistItem("declarations_signed", {"it": "Dichiarazioni sottoscritte", "en": "Declarations signed"},
                  {"it": "Veridicità, accettazione del regolamento, presa visione dell'informativa privacy.",
                   "en": "Truthfulness, acceptance of the rules, privacy notice read."}),
    ChecklistItem("within_deadline", {"it": "Inviata entro la scadenza", "en": "Submitted within the deadline"},
                  {"it": "Compresa un'eventuale proroga concessa.", "en": "Including any extension granted."}),
    ChecklistItem("track_fit", {"it": "Coerente con l'ambito scelto", "en": "Fits the chosen track"},
                  {"it": "Il progetto rientra nell'ambito indicato.",
                   "en": "The project belongs in the track it applied to."}),
)
_BY_CODE = {item.code: item for item in DEFAULT_CHECKLIST}


def checklist_items(settings: Mapping[str, Any] | None) -> list[ChecklistItem]:
    """The round's items, in its order; an unknown code becomes an item labelled with its code."""
    listed = (settings or {}).get("checklist")
    if not listed:
        return list(DEFAULT_CHECKLIST)
    items = []
    for entry in listed:
        if isinstance(entry, Mapping):
            code = str(entry.get("code", "")).strip()
            if code:
                label = entry.get("label") or _BY_CODE.get(code, ChecklistItem(code, {"en": code})).label
                items.append(ChecklistItem(code, dict(label) if isinstance(label, Mapping) else {"en": str(label)},
                                           dict(entry.get("help") or {})))
        elif str(entry).strip():
            code = str(entry).strip()
            items.append(_BY_CODE.get(code, ChecklistItem(code, {"it": code, "en": code})))
    return items


@dataclass
class ChecklistInput:
    """What the checklist form sent: pass/fail per item, a reason per item, the overall outcome."""

    answers: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    outcome: str = ""
    overall_comment: str | None = None
    version: int | None = None


def check_answers(items: list[ChecklistItem], data: ChecklistInput, *, submit: bool
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The answers to store, and the errors by item code (or "outcome"); a fail always needs its reason."""
    stored: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for item in items:
        answer = data.answers.get(item.code, "")
        reason = data.reasons.get(item.code, "").strip()[:MAX_REASON]
        if answer == "fail" and not reason:
            errors[item.code] = _("Say why this item fails.")
        elif answer not in ("pass", "fail") and submit:
            errors[item.code] = _("Mark this item as passed or failed.")
        stored[item.code] = {"passed": {"pass": True, "fail": False}.get(answer), "reason": reason}
    outcome = data.outcome if data.outcome in OUTCOMES else ""
    failed = any(a["passed"] is False for a in stored.values())
    if submit and not outcome:
        errors["outcome"] = _("Choose the outcome of the check.")
    elif submit and outcome == ADMISSIBLE and failed:
        errors["outcome"] = _("An item failed: choose not admissible, or ask for a second look.")
    elif submit and outcome == NOT_ADMISSIBLE and not failed and not errors:
        errors["outcome"] = _("Mark the item that fails, with its reason, to declare the entry not admissible.")
    return stored, errors
