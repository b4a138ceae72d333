"""The organiser's assignment page for one round: engine proposal, accept, changes by hand, refill."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.judging import assignments, bids
from core.judging.assignments import (
    AssignmentImpossible,
    AssignmentOptions,
    AssignmentRefused,
    StaleProposal,
)
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.dependencies import SignedInUser
from web.routes.organise import organiser_only

DONE = ("accepted", "added", "removed", "refilled", "bidding")


@dataclass
class OptionsForm:
    """The options form as typed, with an error per field; `options` is set only when all is valid."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    options: AssignmentOptions | None = None


def _whole(values: dict[str, str], errors: dict[str, str], name: str, *, required: bool = False) -> int | None:
    text = values.get(name, "").strip()
    if not text:
        if required:
            errors[name] = _("Enter a whole number.")
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = _("Enter a whole number.")
        return None


def parse_options(form) -> OptionsForm:
    names = ("per_entry", "min_load", "max_load", "org_cap", "pair_cap")
    parsed = OptionsForm(values={name: str(form.get(name, "")) for name in names})
    parsed.values["expert_per_entry"] = "on" if form.get("expert_per_entry") else ""
    parsed.values["replace_untouched"] = "on" if form.get("replace_untouched") else ""
    per_entry = _whole(parsed.values, parsed.errors, "per_entry", required=True)
    min_load = _whole(parsed.values, parsed.errors, "min_load")
    max_load = _whole(parsed.values, parsed.errors, "max_load")
    org_cap = _whole(parsed.values, parsed.errors, "org_cap")
    pair_cap = _whole(parsed.values, parsed.errors, "pair_cap")
    if parsed.errors:
        return parsed
    options = AssignmentOptions(
        per_entry=per_entry, min_load=min_load or 0, max_load=max_load, org_cap=org_cap, pair_cap=pair_cap,
        expert_per_entry=bool(parsed.values["expert_per_entry"]),
        replace_untouched=bool(parsed.values["replace_untouched"]))
    parsed.errors = options.problems()
    if not parsed.errors:
        parsed.options = options
    return parsed


def form_values(options: AssignmentOptions) -> dict[str, str]:
    return {"per_entry": str(options.per_entry), "min_load": str(options.min_load or ""),
            "max_load": "" if options.max_load is None else str(options.max_load),
            "org_cap": "" if options.org_cap is None else str(options.org_cap),
            "pair_cap": "" if options.pair_cap is None else str(options.pair_cap),
            "expert_per_entry": "on" if options.expert_per_entry else "",
            "replace_untouched": "on" if options.replace_untouched else ""}


def _base(slug: str, code: str) -> str:
    return f"/organise/{slug}/rounds/{code}/assignment"


async def _render(user: SessionUser, slug: str, code: str, *, status: int = 200, proposal_id: int | None = None,
                  form: OptionsForm | None = None, **extra) -> Template:
    page = await assignments.assignment_page(actor=user, edition_slug=slug, round_code=code, proposal_id=proposal_id)
    values = form.values if form is not None else form_values(page.options)
    context = {"page": page, "edition": page.edition, "section": "assignment", "values": values,
               "errors": form.errors if form is not None else {}, "base": _base(slug, code),
               "add_errors": {}, "add_values": {}, **extra}
    return Template(template_name="organise/assignment.html", status_code=status, context=context)


@get("/organise/{slug:str}/rounds/{code:str}/assignment", guards=[organiser_only], include_in_schema=False)
async def assignment_page(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Template:
    proposal = request.query_params.get("proposal", "")
    done = request.query_params.get("done", "")
    return await _render(user, slug, code, proposal_id=int(proposal) if proposal.isdigit() else None,
                         done=done if done in DONE else "", count=request.query_params.get("n", ""))


@post("/organise/{slug:str}/rounds/{code:str}/assignment/propose", guards=[organiser_only], include_in_schema=False)
async def propose(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = parse_options(await request.form())
    if form.options is None:
        return await _render(user, slug, code, status=400, form=form)
    try:
        preview = await assignments.propose_assignment(actor=user, edition_slug=slug, round_code=code,
                                                       options=form.options)
    except AssignmentImpossible as impossible:
        return await _render(user, slug, code, status=422, form=form, obstacles=impossible.obstacles)
    return Redirect(path=f"{_base(slug, code)}?proposal={preview.proposal_id}#preview")


@post("/organise/{slug:str}/rounds/{code:str}/assignment/accept", guards=[organiser_only], include_in_schema=False)
async def accept(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    proposal = str(form.get("proposal", ""))
    try:
        await assignments.accept_assignment(actor=user, edition_slug=slug, round_code=code,
                                            proposal_id=int(proposal) if proposal.isdigit() else 0)
    except StaleProposal:
        return await _render(user, slug, code, status=409, stale=True)
    return Redirect(path=f"{_base(slug, code)}?done=accepted")


@post("/organise/{slug:str}/rounds/{code:str}/assignment/refill", guards=[organiser_only], include_in_schema=False)
async def refill(user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    try:
        preview = await assignments.refill_round(actor=user, edition_slug=slug, round_code=code)
    except AssignmentImpossible as impossible:
        return await _render(user, slug, code, status=422, obstacles=impossible.obstacles)
    except StaleProposal:
        return await _render(user, slug, code, status=409, stale=True)
    return Redirect(path=f"{_base(slug, code)}?done=refilled&n={preview.added}")


@post("/organise/{slug:str}/rounds/{code:str}/assignment/add", guards=[organiser_only], include_in_schema=False)
async def add(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    values = {"entry": str(form.get("entry", "")), "juror": str(form.get("juror", ""))}
    errors = {name: _("Choose one.") for name, value in values.items() if not value.isdigit()}
    if not errors:
        try:
            await assignments.add_assignment(actor=user, edition_slug=slug, round_code=code,
                                             application_id=int(values["entry"]), juror_id=int(values["juror"]))
        except AssignmentRefused as refused:
            errors = {refused.field: refused.message}
    if errors:
        return await _render(user, slug, code, status=400, add_errors=errors, add_values=values)
    return Redirect(path=f"{_base(slug, code)}?done=added")


@post("/organise/{slug:str}/rounds/{code:str}/assignment/{assignment_id:int}/remove", guards=[organiser_only],
      include_in_schema=False)
async def remove(user: SignedInUser, slug: FromPath[str], code: FromPath[str],
                 assignment_id: FromPath[int]) -> Response:
    try:
        await assignments.remove_assignment(actor=user, edition_slug=slug, round_code=code,
                                            assignment_id=assignment_id)
    except AssignmentRefused as refused:
        return await _render(user, slug, code, status=409, remove_error=refused.message,
                             remove_id=assignment_id)
    return Redirect(path=f"{_base(slug, code)}?done=removed")


@post("/organise/{slug:str}/rounds/{code:str}/assignment/bidding", guards=[organiser_only],
      include_in_schema=False)
async def bidding_window(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("bidding_opens", "bidding_closes")}
    try:
        await bids.set_bidding_window(actor=user, edition_slug=slug, round_code=code,
                                      opens=values["bidding_opens"], closes=values["bidding_closes"])
    except bids.ProfileRefused as refused:
        return await _render(user, slug, code, status=400, bidding_errors=refused.errors, bidding_values=values)
    return Redirect(path=f"{_base(slug, code)}?done=bidding")


ROUTES = [assignment_page, propose, accept, refill, add, remove, bidding_window]
