"""Setting an edition up: a new edition from a file, the edition's file edited in place, and the common edits."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions import setup as edition_setup
from core.editions.access import OrganisedEdition
from core.editions.setup import EditionNotFound, RubricFrozen, SetupRefused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.yaml_source import FileProblems, Problem
from web.dependencies import ConsoleEdition, SignedInUser
from web.downloads import content_disposition
from web.routes.organise import organiser_only

MAX_FILE_BYTES = 2_000_000
SAVED = {
    "created": lambda: _("The edition was created."),
    "yaml": lambda: _("The changes to the edition were applied."),
    "unchanged": lambda: _("Nothing changed."),
    "timeline": lambda: _("The timeline was saved."),
    "rounds": lambda: _("The rounds' dates were saved."),
    "rubric": lambda: _("The rubric's weights were saved."),
}


async def _text_from(form) -> str:
    """The file's text: an uploaded file wins over the text box; bad encoding is a problem on line 1."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        if len(data) > MAX_FILE_BYTES:
            raise FileProblems([Problem(path="", reason=_("The file is too large."), line=None)])
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileProblems([Problem(path="", reason=_("The file is not UTF-8 text."),
                                                      line=1)]) from None
    return str(form.get("yaml", ""))


@get("/organise/new", guards=[organiser_only], include_in_schema=False)
async def new_edition_form(user: SignedInUser) -> Template:
    if not edition_setup.may_create_edition(user):
        raise PermissionDeniedException()
    return Template(template_name="organise/new.html", context={"text": "", "problems": []})


@post("/organise/new", guards=[organiser_only], include_in_schema=False, request_max_body_size=MAX_FILE_BYTES * 2)
async def create_edition(request: Request, user: SignedInUser) -> Response:
    form = await request.form()
    text = ""
    try:
        text = await _text_from(form)
        slug = await edition_setup.create_edition(actor=user, text=text)
    except FileProblems as refused:
        return Template(template_name="organise/new.html", status_code=400,
                        context={"text": text, "problems": refused.problems})
    except EditionNotFound:  # not allowed to create editions: here that is a refusal, not a missing page
        raise PermissionDeniedException() from None
    return Redirect(path=f"/organise/{slug}/setup?saved=created")


async def _setup_page(request: Request, user: SessionUser, edition: OrganisedEdition, *, text: str | None = None,
                      problems=(), errors=None, status: int = 200, form_name: str = "", message: str = "") -> Template:
    page = await edition_setup.setup_page(actor=user, edition_slug=edition.slug)
    if text is None:
        text = await edition_setup.edition_yaml(actor=user, edition_slug=edition.slug)
    saved = SAVED.get(request.query_params.get("saved", ""))
    return Template(template_name="organise/setup.html", status_code=status, context={
        "edition": edition, "section": "setup", "page": page, "text": text, "problems": list(problems),
        "errors": errors or {}, "form_name": form_name, "typed": {}, "message": message,
        "saved": saved() if saved else "",
    })


@get("/organise/{slug:str}/setup", guards=[organiser_only], include_in_schema=False)
async def setup(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    return await _setup_page(request, user, edition)


@get("/organise/{slug:str}/setup/edition.yaml", guards=[organiser_only], include_in_schema=False)
async def download_yaml(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    text = await edition_setup.edition_yaml(actor=user, edition_slug=slug)
    return Response(content=text.encode("utf-8"), media_type="application/yaml; charset=utf-8", headers={
        "content-disposition": content_disposition(f"{slug}.yaml"), "cache-control": "private, no-store",
        "x-content-type-options": "nosniff"})


@post("/organise/{slug:str}/setup/yaml", guards=[organiser_only], include_in_schema=False,
      request_max_body_size=MAX_FILE_BYTES * 2)
async def apply_yaml(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    form = await request.form()
    text = ""
    try:
        text = await _text_from(form)
        changes = await edition_setup.apply_edition_text(actor=user, edition_slug=slug, text=text)
    except FileProblems as refused:
        return await _setup_page(request, user, edition, text=text, problems=refused.problems, status=400,
                                 form_name="yaml")
    return Redirect(path=f"/organise/{slug}/setup?saved={'yaml' if changes else 'unchanged'}")


def _pairs(form, prefix: str) -> dict[str, tuple[str, str]]:
    """Fields `<prefix>.<code>.starts` / `.ends` as {code: (starts, ends)}."""
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or not key.startswith(prefix + "."):
            continue
        code, _dot, part = key[len(prefix) + 1:].rpartition(".")
        if code and part in ("starts", "ends"):
            values.setdefault(code, ["", ""])[0 if part == "starts" else 1] = value
    return {code: (pair[0], pair[1]) for code, pair in values.items()}


async def _dated(request: Request, user: SessionUser, edition: OrganisedEdition, *, kind: str) -> Response:
    form = await request.form()
    values = _pairs(form, kind)
    service = edition_setup.update_timeline if kind == "timeline" else edition_setup.update_round_dates
    try:
        await service(actor=user, edition_slug=edition.slug, values=values)
    except SetupRefused as refused:
        page = await _setup_page(request, user, edition, errors=refused.errors, status=400, form_name=kind)
        page.context["typed"] = {f"{code}.{part}": value for code, (s, e) in values.items()
                                 for part, value in (("starts", s), ("ends", e))}
        return page
    saved = "timeline" if kind == "timeline" else "rounds"
    return Redirect(path=f"/organise/{edition.slug}/setup?saved={saved}#{kind}")


@post("/organise/{slug:str}/setup/timeline", guards=[organiser_only], include_in_schema=False)
async def save_timeline(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _dated(request, user, edition, kind="timeline")


@post("/organise/{slug:str}/setup/rounds", guards=[organiser_only], include_in_schema=False)
async def save_round_dates(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _dated(request, user, edition, kind="rounds")


@post("/organise/{slug:str}/setup/rounds/{code:str}/rubric", guards=[organiser_only], include_in_schema=False)
async def save_rubric(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                      code: FromPath[str]) -> Response:
    form = await request.form()
    weights = {key[7:]: str(value) for key, value in form.multi_items() if key.startswith("weight.")}
    try:
        await edition_setup.update_rubric_weights(actor=user, edition_slug=slug, round_code=code, weights=weights)
    except RubricFrozen as frozen:
        return await _setup_page(request, user, edition, status=409, form_name=f"rubric-{code}",
                                 message=frozen.message)
    except SetupRefused as refused:
        page = await _setup_page(request, user, edition, errors=refused.errors, status=400,
                                 form_name=f"rubric-{code}")
        page.context["typed"] = weights
        return page
    return Redirect(path=f"/organise/{slug}/setup?saved=rubric#rubric-{code}")


ROUTES = [new_edition_form, create_edition, setup, download_yaml, apply_yaml, save_timeline, save_round_dates,
          save_rubric]
