"""Setting an edition up: a new edition from a file, the edition's file edited in place, and the common edits."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions import setup as edition_setup
from core.editions import setup_forms
from core.editions.access import OrganisedEdition
from core.editions.setup import RubricFrozen, SetupRefused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.yaml_source import FileProblems, Problem
from web.dependencies import ConsoleEdition, SignedInUser
from web.downloads import content_disposition
from web.routes.organise import organiser_only

MAX_FILE_BYTES = 2_000_000
SAVED = {
    "created": lambda: _("The edition was created."),
    "phase": lambda: _("The edition's phase was changed."),
    "yaml": lambda: _("The changes to the edition were applied."),
    "unchanged": lambda: _("Nothing changed."),
    "timeline": lambda: _("The timeline was saved."),
    "rounds": lambda: _("The rounds' dates were saved."),
    "rubric": lambda: _("The rubric's weights were saved."),
    "tracks": lambda: _("The tracks were saved."),
    "areas": lambda: _("The areas were saved."),
    "round": lambda: _("The rounds were saved."),
    "partners": lambda: _("The partners were saved."),
    "prizes": lambda: _("The prizes were saved."),
    "edition": lambda: _("The edition's title and summary were saved."),
}
TIME_ZONES = ("Europe/Rome", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "UTC")
NEW_FIELDS = ("title_it", "title_en", "year", "slug", "time_zone", "opens", "closes")


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
    return _new_page(values=setup_forms.new_edition_defaults(actor=user, today=datetime.now(UTC).date()))


def _new_page(*, values: setup_forms.NewEdition, errors=None, text: str = "", problems=(), status: int = 200
              ) -> Template:
    return Template(template_name="organise/new.html", status_code=status, context={
        "text": text, "problems": list(problems), "values": values, "errors": errors or {}, "zones": TIME_ZONES})


@post("/organise/new", guards=[organiser_only], include_in_schema=False, request_max_body_size=MAX_FILE_BYTES * 2)
async def create_edition(request: Request, user: SignedInUser) -> Response:
    form = await request.form()
    text = ""
    if form.get("how") == "form":
        values = setup_forms.NewEdition(**{name: str(form.get(name, "")) for name in NEW_FIELDS})
        try:
            slug = await setup_forms.new_edition(actor=user, values=values)
        except SetupRefused as refused:
            return _new_page(values=values, errors=refused.errors, status=400)
        return Redirect(path=f"/organise/{slug}/setup?saved=created")
    try:
        text = await _text_from(form)
        slug = await edition_setup.create_edition(actor=user, text=text)
    except FileProblems as refused:
        return _new_page(values=setup_forms.NewEdition(), text=text, problems=refused.problems, status=400)
    return Redirect(path=f"/organise/{slug}/setup?saved=created")


async def _setup_page(request: Request, user: SessionUser, edition: OrganisedEdition, *, text: str | None = None,
                      problems=(), errors=None, status: int = 200, form_name: str = "", message: str = "") -> Template:
    page = await edition_setup.setup_page(actor=user, edition_slug=edition.slug)
    parts = await setup_forms.setup_parts(actor=user, edition_slug=edition.slug)
    if text is None:
        text = await edition_setup.edition_yaml(actor=user, edition_slug=edition.slug)
    saved = SAVED.get(request.query_params.get("saved", ""))
    return Template(template_name="organise/setup.html", status_code=status, context={
        "edition": edition, "section": "setup", "page": page, "parts": parts, "text": text, "problems": list(problems),
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


async def _part(request: Request, user: SessionUser, edition: OrganisedEdition, *, form_name: str, saved: str,
                call) -> Response:
    """Run one set-up change from a section's form; a refusal shows the page with what was typed kept."""
    form = await request.form()
    typed: dict = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    typed["regions_all"] = _all(form, "regions")
    typed["conditions_all"] = _all(form, "conditions")
    try:
        await call(form)
    except SetupRefused as refused:
        page = await _setup_page(request, user, edition, errors=refused.errors, status=400, form_name=form_name)
        page.context["typed"] = typed
        return page
    return Redirect(path=f"/organise/{edition.slug}/setup?saved={saved}#{saved}")


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _optional(form, name: str) -> str | None:
    """A field the form may leave out (None), as opposed to one sent empty."""
    return _text(form, name) if name in form else None


def _all(form, name: str) -> list[str]:
    return [value for key, value in form.multi_items() if key == name and isinstance(value, str)]


@post("/organise/{slug:str}/setup/edition", guards=[organiser_only], include_in_schema=False)
async def edit_edition(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="edition", saved="edition", call=lambda form: (
        setup_forms.edit_edition(actor=user, edition_slug=edition.slug,
                                 values={name: _text(form, name) for name in EDITION_FIELDS})))


@post("/organise/{slug:str}/setup/phase", guards=[organiser_only], include_in_schema=False)
async def set_phase(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="phase", saved="phase", call=lambda form: (
        setup_forms.set_phase(actor=user, edition_slug=edition.slug, status=_text(form, "status"))))


@post("/organise/{slug:str}/setup/tracks", guards=[organiser_only], include_in_schema=False)
async def add_track(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="track-new", saved="tracks", call=lambda form: (
        setup_forms.add_track(actor=user, edition_slug=edition.slug, name_it=_text(form, "name_it"),
                              name_en=_text(form, "name_en"))))


@post("/organise/{slug:str}/setup/tracks/{code:str}/rename", guards=[organiser_only], include_in_schema=False)
async def rename_track(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _part(request, user, edition, form_name=f"track-{code}", saved="tracks", call=lambda form: (
        setup_forms.rename_track(actor=user, edition_slug=edition.slug, code=code, name_it=_text(form, "name_it"),
                                 name_en=_text(form, "name_en"), description_it=_optional(form, "description_it"),
                                 description_en=_optional(form, "description_en"))))


@post("/organise/{slug:str}/setup/tracks/{code:str}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_track(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _part(request, user, edition, form_name="tracks", saved="tracks", call=lambda form: (
        setup_forms.remove_track(actor=user, edition_slug=edition.slug, code=code)))


@post("/organise/{slug:str}/setup/areas", guards=[organiser_only], include_in_schema=False)
async def add_area(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="area-new", saved="areas", call=lambda form: (
        setup_forms.add_area(actor=user, edition_slug=edition.slug, name_it=_text(form, "name_it"),
                             name_en=_text(form, "name_en"),
                             regions=[v for k, v in form.multi_items() if k == "regions" and isinstance(v, str)])))


@post("/organise/{slug:str}/setup/areas/{code:str}/edit", guards=[organiser_only], include_in_schema=False)
async def edit_area(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]) -> Response:
    return await _part(request, user, edition, form_name=f"area-{code}", saved="areas", call=lambda form: (
        setup_forms.edit_area(actor=user, edition_slug=edition.slug, code=code, name_it=_text(form, "name_it"),
                              name_en=_text(form, "name_en"), regions=_all(form, "regions"))))


@post("/organise/{slug:str}/setup/areas/{code:str}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_area(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                      ) -> Response:
    return await _part(request, user, edition, form_name="areas", saved="areas", call=lambda form: (
        setup_forms.remove_area(actor=user, edition_slug=edition.slug, code=code)))


EDITION_FIELDS = ("title_it", "title_en", "summary_it", "summary_en", "regulation_version")
ROUND_FIELDS = ("name_it", "name_en", "kind", "workflow", "rubric", "jurors_per_entry", "blind", "opens", "closes",
                "combine_with", "weight")
ROUND_EDIT_FIELDS = ("name_it", "name_en", "jurors_per_entry", "top_n", "judging", "workflow", "rubric", "blind",
                     "combine_with", "weight")
PRIZE_FIELDS = ("name_it", "name_en", "sponsor", "kind", "amount", "quantity", "target")


@post("/organise/{slug:str}/setup/rounds/add", guards=[organiser_only], include_in_schema=False)
async def add_round(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="round-new", saved="round", call=lambda form: (
        setup_forms.add_round(actor=user, edition_slug=edition.slug,
                              values={name: _text(form, name) for name in ROUND_FIELDS})))


@post("/organise/{slug:str}/setup/rounds/{code:str}/edit", guards=[organiser_only], include_in_schema=False)
async def edit_round(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                     ) -> Response:
    return await _part(request, user, edition, form_name=f"round-{code}", saved="round", call=lambda form: (
        setup_forms.edit_round(actor=user, edition_slug=edition.slug, code=code,
                               values={name: _text(form, name) for name in ROUND_EDIT_FIELDS})))


@post("/organise/{slug:str}/setup/rounds/{code:str}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_round(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _part(request, user, edition, form_name="round-list", saved="round", call=lambda form: (
        setup_forms.remove_round(actor=user, edition_slug=edition.slug, code=code)))


@post("/organise/{slug:str}/setup/partners", guards=[organiser_only], include_in_schema=False)
async def add_partner(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="partner-new", saved="partners", call=lambda form: (
        setup_forms.add_partner(actor=user, edition_slug=edition.slug, organisation=_text(form, "organisation"),
                                role=_text(form, "role"), kind=_text(form, "kind"), website=_text(form, "website"))))


@post("/organise/{slug:str}/setup/partners/{position:int}/edit", guards=[organiser_only], include_in_schema=False)
async def edit_partner(request: Request, user: SignedInUser, edition: ConsoleEdition, position: FromPath[int]
                       ) -> Response:
    return await _part(request, user, edition, form_name=f"partner-{position}", saved="partners", call=lambda form: (
        setup_forms.edit_partner(actor=user, edition_slug=edition.slug, position=position,
                                 organisation=_text(form, "organisation"), role=_text(form, "role"),
                                 kind=_text(form, "kind"), website=_text(form, "website"))))


@post("/organise/{slug:str}/setup/partners/{position:int}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_partner(request: Request, user: SignedInUser, edition: ConsoleEdition, position: FromPath[int]
                         ) -> Response:
    return await _part(request, user, edition, form_name="partners", saved="partners", call=lambda form: (
        setup_forms.remove_partner(actor=user, edition_slug=edition.slug, position=position)))


@post("/organise/{slug:str}/setup/prizes", guards=[organiser_only], include_in_schema=False)
async def add_prize(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _part(request, user, edition, form_name="prize-new", saved="prizes", call=lambda form: (
        setup_forms.add_prize(actor=user, edition_slug=edition.slug,
                              values={name: _text(form, name) for name in PRIZE_FIELDS},
                              conditions=_all(form, "conditions"))))


@post("/organise/{slug:str}/setup/prizes/{code:str}/edit", guards=[organiser_only], include_in_schema=False)
async def edit_prize(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                     ) -> Response:
    return await _part(request, user, edition, form_name=f"prize-{code}", saved="prizes", call=lambda form: (
        setup_forms.edit_prize(actor=user, edition_slug=edition.slug, code=code,
                               values={name: _text(form, name) for name in PRIZE_FIELDS},
                               conditions=_all(form, "conditions"))))


@post("/organise/{slug:str}/setup/prizes/{code:str}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_prize(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _part(request, user, edition, form_name="prizes", saved="prizes", call=lambda form: (
        setup_forms.remove_prize(actor=user, edition_slug=edition.slug, code=code)))


ROUTES = [new_edition_form, create_edition, setup, download_yaml, apply_yaml, save_timeline, save_round_dates,
          save_rubric, set_phase, edit_edition, add_track, rename_track, remove_track, add_area, edit_area, remove_area,
          add_round, edit_round, remove_round, add_partner, edit_partner, remove_partner, add_prize, edit_prize,
          remove_prize]
