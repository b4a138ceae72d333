"""The development outbox: what the platform has queued, readable without a mail server.

Registered only in development, and readable only by platform administrators, who see the links
that act for their holder (password reset, verification, invitation) masked in other people's mail.
Whoever may not read it gets the same 404 as a page that does not exist, so its existence does not leak.
"""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from core.messaging import mail
from web import labels
from web.dependencies import Visitor

OUTBOX_PAGE = 200


@get("/dev/outbox", include_in_schema=False)
async def outbox(visitor: Visitor) -> Template:
    mails = await mail.list_outbox(user=visitor, limit=OUTBOX_PAGE)
    return Template(template_name="dev/outbox.html",
                    context={"mails": mails, "mail_status_labels": labels.MAIL_STATUS})


@get("/dev/outbox/{mail_id:int}", include_in_schema=False)
async def outbox_mail(visitor: Visitor, mail_id: FromPath[int]) -> Template:
    message = await mail.get_outbox_mail(user=visitor, mail_id=mail_id)
    return Template(template_name="dev/outbox_mail.html",
                    context={"mail": message, "mail_status_labels": labels.MAIL_STATUS})
