"""The edition's mail wording: the list of mails per language, an editor with a preview on sample data."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.messaging import templates as mail_templates
from core.messaging.render import MailOverride
from core.messaging.templates import EditionNotFound, MailTemplateNotFound, OverrideRefused
from web.routes.organise import organised_edition, organiser_only


@get("/organise/{slug:str}/mail-templates", guards=[organiser_only], include_in_schema=False)
async def mail_template_list(request: Request, slug: FromPath[str]) -> Template:
    edition = await organised_edition(request, slug)
    rows = await mail_templates.list_templates(actor=request.scope["user"], edition_slug=slug)
    return Template(template_name="organise/mail_templates.html", context={
        "edition": edition, "section": "mail", "rows": rows, "saved": request.query_params.get("saved", "")})


async def _editor(request: Request, slug: str, language: str, template: str, *, typed: MailOverride | None = None,
                  errors=None, rendered=None, status: int = 200) -> Template:
    edition = await organised_edition(request, slug)
    try:
        editor = await mail_templates.template_editor(actor=request.scope["user"], edition_slug=slug,
                                                      template=template, language=language)
    except (MailTemplateNotFound, EditionNotFound):
        raise NotFoundException() from None
    shown = typed or editor.override or MailOverride(subject="", body_text="", body_html="")
    return Template(template_name="organise/mail_template.html", status_code=status, context={
        "edition": edition, "section": "mail", "editor": editor, "shown": shown, "errors": errors or {},
        "rendered": rendered, "saved": request.query_params.get("saved", "")})


@get("/organise/{slug:str}/mail-templates/{language:str}/{template:path}", guards=[organiser_only],
     include_in_schema=False)
async def mail_template_form(request: Request, slug: FromPath[str], language: FromPath[str],
                             template: FromPath[str]) -> Template:
    return await _editor(request, slug, language, template.strip("/"))


@post("/organise/{slug:str}/mail-templates/{language:str}/{template:path}", guards=[organiser_only],
      include_in_schema=False)
async def mail_template_save(request: Request, slug: FromPath[str], language: FromPath[str],
                             template: FromPath[str]) -> Response:
    template = template.strip("/")
    await organised_edition(request, slug)
    form = await request.form()
    action = form.get("action")
    user = request.scope["user"]
    typed = MailOverride(subject=str(form.get("subject", "")), body_text=str(form.get("body_text", "")),
                         body_html=str(form.get("body_html", "")))
    try:
        if action == "reset":
            await mail_templates.remove_override(actor=user, edition_slug=slug, template=template, language=language)
            return Redirect(path=f"/organise/{slug}/mail-templates/{language}/{template}?saved=reset")
        if action == "preview":
            rendered = mail_templates.preview(template=template, language=language, override=typed)
            return await _editor(request, slug, language, template, typed=typed, rendered=rendered)
        await mail_templates.save_override(actor=user, edition_slug=slug, template=template, language=language,
                                           override=typed)
    except OverrideRefused as refused:
        return await _editor(request, slug, language, template, typed=typed, errors=refused.errors, status=400)
    except (MailTemplateNotFound, EditionNotFound):
        raise NotFoundException() from None
    return Redirect(path=f"/organise/{slug}/mail-templates/{language}/{template}?saved=saved")


ROUTES = [mail_template_list, mail_template_form, mail_template_save]
