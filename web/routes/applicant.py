"""The applicant's pages: start an application, fill it section by section, preview, submit, withdraw."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import submission as applications
from core.applications.form import FormInput, stored_errors
from core.applications.submission import ApplicationClosed, SubmitRefused
from core.results import appeals
from web.auth import signed_in
from web.dependencies import AppSettings, SignedInUser
from web.section_fields import section_fields


async def form_input(request: Request) -> FormInput:
    """The submitted form as plain lists per field name, the shape core services take."""
    form = await request.form()
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if key != "_csrf_token" and isinstance(value, str):
            data.setdefault(key, []).append(value)
    return data


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@get("/c/{slug:str}/apply", guards=[signed_in], include_in_schema=False)
async def apply_form(user: SignedInUser, slug: FromPath[str]) -> Response:
    start = await applications.start_page(user=user, edition_slug=slug)
    if start.existing_application_id is not None:
        return Redirect(path=f"/applications/{start.existing_application_id}")
    return Template(template_name="applicant/start.html",
                    context={"page": start.landing, "error": "", "closed": start.closed})


@post("/c/{slug:str}/apply", guards=[signed_in], include_in_schema=False)
async def apply(request: Request, user: SignedInUser, slug: FromPath[str]) -> Response:
    data = await form_input(request)
    try:
        application_id = await applications.start_application(
            user=user, edition_slug=slug, track_code=(data.get("track") or [""])[0])
    except ApplicationClosed as closed:
        start = await applications.start_page(user=user, edition_slug=slug)
        return Template(template_name="applicant/start.html", status_code=400, context={
            "page": start.landing, "error": closed.message, "closed": start.closed})
    return Redirect(path=f"/applications/{application_id}")


@get("/applications/{application_id:int}", guards=[signed_in], include_in_schema=False)
async def overview(user: SignedInUser, application_id: FromPath[int]) -> Template:
    view = await applications.own_application(user=user, application_id=application_id)
    rounds = await applications.application_rounds(user=user, application_id=application_id)
    redress = await appeals.applicant_redress(user=user, application_id=application_id)
    return Template(template_name="applicant/overview.html",
                    context={"app": view, "now": datetime.now(UTC), "refused": None, "checked": set(),
                             "rounds": rounds, "redress": redress})


@get("/applications/{application_id:int}/sections/{code:str}", guards=[signed_in], include_in_schema=False)
async def section_form(request: Request, user: SignedInUser, application_id: FromPath[int],
                       code: FromPath[str]) -> Template:
    view, spec = await applications.own_section(user=user, application_id=application_id, section_code=code)
    return _section_page(view, spec, errors=stored_errors(spec, view.invalid), typed=None,
                         saved=request.query_params.get("saved") == "1",
                         rows_wanted=_rows_wanted(request.query_params.get("rows", "")))


# How many rows a table question may be asked to show; its own max_rows caps it further.
MOST_ROWS_ASKED = 50
QUESTION_CODE = re.compile(r"[A-Za-z0-9_]{1,80}")


def _rows_wanted(asked: str) -> dict[str, int]:
    """"members:4" (after "Add a row") as {"members": 4}: the page shows at least that many rows of the table."""
    code, _, count = asked.partition(":")
    if not QUESTION_CODE.fullmatch(code) or not count.isdigit() or len(count) > 3:
        return {}
    return {code: min(int(count), MOST_ROWS_ASKED)}


def _row_added(data: FormInput) -> dict[str, int]:
    """The rows "Add a row" asks for, one more than its table showed ({"members": 3}); its fields leave `data`."""
    table = (data.pop("_add_row", None) or [""])[0]
    shown = {key.removeprefix("_shown."): data.pop(key)[0] for key in [k for k in data if k.startswith("_shown.")]}
    before = shown.get(table, "")
    return _rows_wanted(f"{table}:{int(before) + 1}") if before.isdigit() and len(before) < 4 else {}


def _section_page(view, spec, *, errors, typed, saved=False, status=200, rows_wanted=None) -> Template:
    index = [s.code for s in view.sections].index(spec.code)
    following = view.sections[index + 1].code if index + 1 < len(view.sections) else None
    fields = section_fields(view, spec, errors=errors, typed=typed or {}, rows_wanted=rows_wanted or {})
    return Template(template_name="applicant/section.html", status_code=status, context={
        "app": view, "section": spec, "fields": fields, "errors": errors, "saved": saved,
        "next_section": following, "first": index == 0, "position": index + 1,
    })


@post("/applications/{application_id:int}/sections/{code:str}", guards=[signed_in], include_in_schema=False)
async def save_section(request: Request, user: SignedInUser, application_id: FromPath[int],
                       code: FromPath[str]) -> Response:
    data = await form_input(request)
    # "Add a row" saves the draft like any button, then shows the table with one more empty row than it had.
    rows_wanted = _row_added(data)
    try:
        outcome = await applications.save_section(user=user, application_id=application_id, section_code=code,
                                                  data=data)
    except ApplicationClosed as closed:
        if _is_htmx(request):
            return Template(template_name="applicant/_save_status.html",
                            context={"ok": False, "message": closed.message, "count": 0})
        view = await applications.own_application(user=user, application_id=application_id)
        return Template(template_name="applicant/overview.html", status_code=409,
                        context={"app": view, "now": datetime.now(UTC), "refused": None, "checked": set(),
                                 "closed": closed.message})
    if _is_htmx(request):
        return Template(template_name="applicant/_save_status.html",
                        context={"ok": outcome.ok, "count": len(outcome.errors), "message": ""})
    if not outcome.ok:
        view = await applications.own_application(user=user, application_id=application_id)
        spec = next(s for s in view.sections if s.code == code)
        return _section_page(view, spec, errors=outcome.errors, typed=outcome.invalid, status=400,
                             rows_wanted=rows_wanted)
    if rows_wanted:
        [(table, count)] = rows_wanted.items()
        return Redirect(path=f"/applications/{application_id}/sections/{code}?saved=1&rows={table}:{count}"
                             f"#field-{table}")
    target = data.get("_next", [""])[0]
    if target == "overview" or not target:
        return Redirect(path=f"/applications/{application_id}?saved={code}")
    return Redirect(path=f"/applications/{application_id}/sections/{target}?saved=1")


@get("/applications/{application_id:int}/preview", guards=[signed_in], include_in_schema=False)
async def preview(user: SignedInUser, application_id: FromPath[int]) -> Template:
    view = await applications.own_application(user=user, application_id=application_id)
    return Template(template_name="applicant/preview.html", context={"app": view})


@post("/applications/{application_id:int}/submit", guards=[signed_in], include_in_schema=False)
async def submit(request: Request, user: SignedInUser, settings: AppSettings,
                 application_id: FromPath[int]) -> Response:
    data = await form_input(request)
    declarations, consents = set(data.get("declaration", [])), set(data.get("consent", []))
    try:
        await applications.submit_application(user=user, application_id=application_id, declarations=declarations,
                                              consents=consents, base_url=settings.base_url)
    except (SubmitRefused, ApplicationClosed) as problem:
        view = await applications.own_application(user=user, application_id=application_id)
        return Template(template_name="applicant/overview.html", status_code=400, context={
            "app": view, "now": datetime.now(UTC), "checked": declarations | consents,
            "refused": problem if isinstance(problem, SubmitRefused) else None,
            "closed": problem.message if isinstance(problem, ApplicationClosed) else "",
        })
    return Redirect(path=f"/applications/{application_id}?submitted=1")


@get("/applications/{application_id:int}/withdraw", guards=[signed_in], include_in_schema=False)
async def withdraw_confirm(user: SignedInUser, application_id: FromPath[int]) -> Template:
    view = await applications.own_application(user=user, application_id=application_id)
    return Template(template_name="applicant/withdraw.html", context={"app": view, "now": datetime.now(UTC)})


@post("/applications/{application_id:int}/withdraw", guards=[signed_in], include_in_schema=False)
async def withdraw(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Response:
    data = await form_input(request)
    if (data.get("confirm") or [""])[0] != "yes":
        return Redirect(path=f"/applications/{application_id}/withdraw")
    try:
        await applications.withdraw_application(user=user, application_id=application_id)
    except ApplicationClosed as closed:
        view = await applications.own_application(user=user, application_id=application_id)
        return Template(template_name="applicant/overview.html", status_code=409, context={
            "app": view, "now": datetime.now(UTC), "refused": None, "checked": set(), "closed": closed.message})
    return Redirect(path=f"/applications/{application_id}")


@post("/applications/{application_id:int}/start-again", guards=[signed_in], include_in_schema=False)
async def start_again(user: SignedInUser, application_id: FromPath[int]) -> Response:
    try:
        await applications.start_again(user=user, application_id=application_id)
    except ApplicationClosed as closed:
        view = await applications.own_application(user=user, application_id=application_id)
        return Template(template_name="applicant/overview.html", status_code=409, context={
            "app": view, "now": datetime.now(UTC), "refused": None, "checked": set(), "closed": closed.message})
    return Redirect(path=f"/applications/{application_id}")


ROUTES = [apply_form, apply, overview, section_form, save_section, preview, submit, withdraw_confirm, withdraw,
          start_again]
