"""Attachments: upload or remove a file of one's draft; download, or preview a PDF or an image, through a
permission check only."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import attachments as files
from core.applications import submission as applications
from core.platform.i18n import gettext as _
from web.auth import signed_in
from web.dependencies import AppSettings, SignedInUser
from web.downloads import file_response, preview_response
from web.labels import UPLOAD_ERRORS

MEBIBYTE = 1024 * 1024
# The largest body an upload route reads: the biggest file any form may ask for, plus the form around it.
UPLOAD_BODY_LIMIT = 64 * MEBIBYTE


def _page(view, question, *, error: str = "", status: int = 200) -> Template:
    return Template(template_name="applicant/upload.html", status_code=status, context={
        "app": view, "q": question, "attachment": view.attachments.get(question.code), "error": error})


@get("/applications/{application_id:int}/files/{field:str}", guards=[signed_in], include_in_schema=False)
async def upload_form(user: SignedInUser, application_id: FromPath[int], field: FromPath[str]) -> Template:
    view, question = await applications.own_file_question(user=user, application_id=application_id, field=field)
    return _page(view, question)


@post("/applications/{application_id:int}/files/{field:str}", guards=[signed_in], include_in_schema=False,
      request_max_body_size=UPLOAD_BODY_LIMIT)
async def upload(request: Request, user: SignedInUser, settings: AppSettings, application_id: FromPath[int],
                 field: FromPath[str]) -> Response:
    view, question = await applications.own_file_question(user=user, application_id=application_id, field=field)
    form = await request.form()
    if form.get("action") == "delete":
        try:
            await files.delete_attachment(settings=settings, application_id=application_id, field=field,
                                          user_id=user.id)
        except files.UploadRejected as rejected:
            return _page(view, question, error=_rejection(rejected), status=409)
        return Redirect(path=f"/applications/{application_id}/sections/{_section_of(view, field)}?saved=1")
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        return _page(view, question, error=_("Choose a file to upload."), status=400)
    try:
        await applications.upload_attachment(settings=settings, user=user, application_id=application_id,
                                             field=field, filename=upload_file.filename, stream=upload_file)
    except files.UploadRejected as rejected:
        view = await applications.own_application(user=user, application_id=application_id)
        return _page(view, question, error=_rejection(rejected), status=400)
    except applications.ApplicationClosed as closed:
        return _page(view, question, error=closed.message, status=409)
    finally:
        await upload_file.close()
    return Redirect(path=f"/applications/{application_id}/sections/{_section_of(view, field)}?saved=1")


def _rejection(rejected: files.UploadRejected) -> str:
    code = "wrong_type_found" if rejected.code == "wrong_type" and rejected.found else rejected.code
    return _(UPLOAD_ERRORS[code]).format(**rejected.params)


def _section_of(view, field: str) -> str:
    return next(s.code for s in view.sections if any(q.code == field for q in s.questions))


@get("/files/{attachment_id:int}", guards=[signed_in], include_in_schema=False)
async def download(user: SignedInUser, settings: AppSettings, attachment_id: FromPath[int]) -> Response:
    found = await files.attachment_for_download(settings=settings, attachment_id=attachment_id, user=user,
                                                can_view=applications.may_view_application)
    return file_response(found)


@get("/files/{attachment_id:int}/preview", guards=[signed_in], include_in_schema=False)
async def preview(user: SignedInUser, settings: AppSettings, attachment_id: FromPath[int]) -> Response:
    found = await files.attachment_for_download(settings=settings, attachment_id=attachment_id, user=user,
                                                can_view=applications.may_view_application)
    return preview_response(await files.for_preview(found))


ROUTES = [upload_form, upload, download, preview]
