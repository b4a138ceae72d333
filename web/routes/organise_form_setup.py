"""The set-up page of the application form, the eligibility rules and the declarations and consents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions import form_setup
from core.editions.access import OrganisedEdition
from core.editions.setup import SetupRefused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only
from web.routes.organise_setup import _all, _text

SAVED = {
    "sections": lambda: _("The application form was saved."),
    "eligibility": lambda: _("The eligibility rules were saved."),
    "statements": lambda: _("The declarations and consents were saved."),
}
SECTION_FIELDS = ("title_it", "title_en", "help_it", "help_en")
QUESTION_FIELDS = ("label_it", "label_en", "help_it", "help_en", "kind", "required", "identifying", "max_length",
                   "min", "max", "choices_it", "choices_en", "max_mb")
ELIGIBILITY_FIELDS = ("max_entity_age_years", "allow_to_be_incorporated", "incorporation_deadline_months",
                      "team_majority_under_age", "training_it", "training_en", "loan_requires_credit_check")
STATEMENT_FIELDS = ("text_it", "text_en", "version")


def _values(form, names: tuple[str, ...]) -> dict[str, str]:
    return {name: _text(form, name) for name in names}


async def _page(request: Request, user: SessionUser, edition: OrganisedEdition, *, errors=None, status: int = 200,
                form_name: str = "", typed=None) -> Template:
    parts = await form_setup.form_parts(actor=user, edition_slug=edition.slug)
    saved = SAVED.get(request.query_params.get("saved", ""))
    return Template(template_name="organise/setup_form.html", status_code=status, context={
        "edition": edition, "section": "setup", "parts": parts, "errors": errors or {}, "form_name": form_name,
        "typed": typed or {}, "saved": saved() if saved else "", "question_kinds": form_setup.QUESTION_KINDS,
        "table_kind": form_setup.TABLE_KIND, "file_kinds": form_setup.FILE_KINDS})


async def _form_part(request: Request, user: SessionUser, edition: OrganisedEdition, *, form_name: str, saved: str,
                     call: Callable[[object], Awaitable[object]]) -> Response:
    """Run one change from the page's forms; a refusal shows the page again with what was typed kept."""
    form = await request.form()
    typed: dict = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    typed["accept_all"] = _all(form, "accept")
    typed["legal_forms_all"] = _all(form, "legal_forms")
    try:
        await call(form)
    except SetupRefused as refused:
        return await _page(request, user, edition, errors=refused.errors, status=400, form_name=form_name,
                           typed=typed)
    return Redirect(path=f"/organise/{edition.slug}/setup/form?saved={saved}#{saved}")


@get("/organise/{slug:str}/setup/form", guards=[organiser_only], include_in_schema=False)
async def form_page(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    return await _page(request, user, edition)


@post("/organise/{slug:str}/setup/form/sections", guards=[organiser_only], include_in_schema=False)
async def add_section(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _form_part(request, user, edition, form_name="section-new", saved="sections", call=lambda form: (
        form_setup.add_section(actor=user, edition_slug=edition.slug, values=_values(form, SECTION_FIELDS))))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/edit", guards=[organiser_only], include_in_schema=False)
async def edit_section(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _form_part(request, user, edition, form_name=f"section-{code}", saved="sections", call=lambda form: (
        form_setup.edit_section(actor=user, edition_slug=edition.slug, code=code,
                                values=_values(form, SECTION_FIELDS))))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_section(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                         ) -> Response:
    return await _form_part(request, user, edition, form_name=f"section-{code}", saved="sections", call=lambda form: (
        form_setup.remove_section(actor=user, edition_slug=edition.slug, code=code)))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/move", guards=[organiser_only], include_in_schema=False)
async def move_section(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _form_part(request, user, edition, form_name=f"section-{code}", saved="sections", call=lambda form: (
        form_setup.move_section(actor=user, edition_slug=edition.slug, code=code,
                                direction=_text(form, "direction"))))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/questions", guards=[organiser_only],
      include_in_schema=False)
async def add_question(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]
                       ) -> Response:
    return await _form_part(request, user, edition, form_name=f"question-new-{code}", saved="sections",
                            call=lambda form: form_setup.add_question(
                                actor=user, edition_slug=edition.slug, section=code,
                                values=_values(form, QUESTION_FIELDS), accept=_all(form, "accept")))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/questions/{question:str}/edit", guards=[organiser_only],
      include_in_schema=False)
async def edit_question(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str],
                        question: FromPath[str]) -> Response:
    return await _form_part(request, user, edition, form_name=f"question-{question}", saved="sections",
                            call=lambda form: form_setup.edit_question(
                                actor=user, edition_slug=edition.slug, section=code, code=question,
                                values=_values(form, QUESTION_FIELDS), accept=_all(form, "accept")))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/questions/{question:str}/remove",
      guards=[organiser_only], include_in_schema=False)
async def remove_question(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str],
                          question: FromPath[str]) -> Response:
    return await _form_part(request, user, edition, form_name=f"question-{question}", saved="sections",
                            call=lambda form: form_setup.remove_question(
                                actor=user, edition_slug=edition.slug, section=code, code=question))


@post("/organise/{slug:str}/setup/form/sections/{code:str}/questions/{question:str}/move", guards=[organiser_only],
      include_in_schema=False)
async def move_question(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str],
                        question: FromPath[str]) -> Response:
    return await _form_part(request, user, edition, form_name=f"question-{question}", saved="sections",
                            call=lambda form: form_setup.move_question(
                                actor=user, edition_slug=edition.slug, section=code, code=question,
                                direction=_text(form, "direction")))


@post("/organise/{slug:str}/setup/form/eligibility", guards=[organiser_only], include_in_schema=False)
async def edit_eligibility(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Response:
    return await _form_part(request, user, edition, form_name="eligibility", saved="eligibility", call=lambda form: (
        form_setup.edit_eligibility(actor=user, edition_slug=edition.slug, values=_values(form, ELIGIBILITY_FIELDS),
                                    legal_forms=_all(form, "legal_forms"))))


@post("/organise/{slug:str}/setup/form/statements/{which:str}", guards=[organiser_only], include_in_schema=False)
async def add_statement(request: Request, user: SignedInUser, edition: ConsoleEdition, which: FromPath[str]
                        ) -> Response:
    return await _form_part(request, user, edition, form_name=f"{which}-new", saved="statements", call=lambda form: (
        form_setup.add_statement(actor=user, edition_slug=edition.slug, which=which,
                                 values=_values(form, STATEMENT_FIELDS))))


@post("/organise/{slug:str}/setup/form/statements/{which:str}/{code:str}/edit", guards=[organiser_only],
      include_in_schema=False)
async def edit_statement(request: Request, user: SignedInUser, edition: ConsoleEdition, which: FromPath[str],
                         code: FromPath[str]) -> Response:
    return await _form_part(request, user, edition, form_name=f"{which}-{code}", saved="statements",
                            call=lambda form: form_setup.edit_statement(
                                actor=user, edition_slug=edition.slug, which=which, code=code,
                                values=_values(form, STATEMENT_FIELDS)))


@post("/organise/{slug:str}/setup/form/statements/{which:str}/{code:str}/remove", guards=[organiser_only],
      include_in_schema=False)
async def remove_statement(request: Request, user: SignedInUser, edition: ConsoleEdition, which: FromPath[str],
                           code: FromPath[str]) -> Response:
    return await _form_part(request, user, edition, form_name=f"{which}-{code}", saved="statements",
                            call=lambda form: form_setup.remove_statement(
                                actor=user, edition_slug=edition.slug, which=which, code=code))


ROUTES = [form_page, add_section, edit_section, remove_section, move_section, add_question, edit_question,
          remove_question, move_question, edit_eligibility, add_statement, edit_statement, remove_statement]
