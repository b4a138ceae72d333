"""The edition's mail wording: the list of mails per language, an editor with a preview on sample data."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.messaging import templates as mail_templates
from core.messaging.render import MailOverride
from core.messaging.templates import OverrideRefused
from core.platform.identity import SessionUser
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only


@get("/organise/{slug:str}/mail-templates", guards=[organiser_only], include_in_schema=False)
async def mail_template_list(request: Request, user: SignedInUser, edition: ConsoleEdition,
                             slug: FromPath[str]) -> Template:
    rows = await mail_templates.list_templates(actor=user, edition_slug=slug)
    return Template(template_name="organise/mail_templates.html", context={
        "edition": edition, "section": "mail", "rows": rows, "saved": request.query_params.get("saved", "")})


async def _editor(request: Request, user: SessionUser, edition: OrganisedEdition, language: str, template: str, *,
                  typed: MailOverride | None = None, errors=None, rendered=None, status: int = 200) -> Template:
    editor = await mail_templates.template_editor(actor=user, edition_slug=edition.slug, template=template,
                                                  language=language)
    shown = typed or editor.override or MailOverride(subject="", body_text="", body_html="")
    return Template(template_name="organise/mail_template.html", status_code=status, context={
        "edition": edition, "section": "mail", "editor": editor, "shown": shown, "errors": errors or {},
        "rendered": rendered, "saved": request.query_params.get("saved", "")})


@get("/organise/{slug:str}/mail-templates/{language:str}/{template:path}", guards=[organiser_only],
     include_in_schema=False)
async def mail_template_form(request: Request, user: SignedInUser, edition: ConsoleEdition, language: FromPath[str],
                             template: FromPath[str]) -> Template:
    return await _editor(request, user, edition, language, template.strip("/"))


@post("/organise/{slug:str}/mail-templates/{language:str}/{template:path}", guards=[organiser_only],
      include_in_schema=False)
async def mail_template_save(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                             language: FromPath[str], template: FromPath[str]) -> Response:
    template = template.strip("/")
    form = await request.form()
    action = form.get("action")
    typed = MailOverride(subject=str(form.get("subject", "")), body_text=str(form.get("body_text", "")),
                         body_html=str(form.get("body_html", "")))
    try:
        if action == "reset":
            await mail_templates.remove_override(actor=user, edition_slug=slug, template=template, language=language)
            return Redirect(path=f"/organise/{slug}/mail-templates/{language}/{template}?saved=reset")
        if action == "preview":
            rendered = mail_templates.preview(template=template, language=language, override=typed)
            return await _editor(request, user, edition, language, template, typed=typed, rendered=rendered)
        await mail_templates.save_override(actor=user, edition_slug=slug, template=template, language=language,
                                           override=typed)
    except OverrideRefused as refused:
        return await _editor(request, user, edition, language, template, typed=typed, errors=refused.errors,
                             status=400)
    return Redirect(path=f"/organise/{slug}/mail-templates/{language}/{template}?saved=saved")


ROUTES = [mail_template_list, mail_template_form, mail_template_save]
