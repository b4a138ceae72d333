"""Files attached to outgoing mail: kept in the outbox with the mail, delivered to a real SMTP server."""

from __future__ import annotations

from core.messaging.mail import MailFile, absolute_url, deliver_due, enqueue_mail
from core.platform.tables import MailAttachment, OutgoingMail
from tests.conftest import run

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_attachments_reach_the_smtp_server_intact(mail_settings, smtp):
    context = {"name": "Ada", "link": absolute_url(mail_settings.base_url, "/account/verify/tok")}
    mail_id = run(enqueue_mail(to="ada@example.org", template="account/verify", language="en", context=context,
                               attachments=(MailFile("rapporto – Aurora.pdf", "application/pdf", PDF),
                                            MailFile("numeri.csv", "text/csv", b"area,n\nNord,12\n"))))
    assert run(MailAttachment.count().where(MailAttachment.mail == mail_id)) == 2
    assert run(deliver_due(settings=mail_settings)).sent == 1
    (message,) = smtp.messages()
    assert "/account/verify/tok" in message.get_body(preferencelist=("plain",)).get_content()
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {"rapporto – Aurora.pdf", "numeri.csv"}
    assert files["rapporto – Aurora.pdf"].get_content_type() == "application/pdf"
    assert files["rapporto – Aurora.pdf"].get_content() == PDF
    assert files["numeri.csv"].get_content().replace("\r\n", "\n") == "area,n\nNord,12\n"
    run(OutgoingMail.delete().where(OutgoingMail.id == mail_id))  # the database's cascade is what is tested
    assert run(MailAttachment.count()) == 0  # deleted with their mail


def test_a_mail_without_attachments_stays_a_plain_message(mail_settings, smtp):
    context = {"name": "Ada", "link": absolute_url(mail_settings.base_url, "/account/verify/tok")}
    run(enqueue_mail(to="ada@example.org", template="account/verify", language="en", context=context))
    run(deliver_due(settings=mail_settings))
    (message,) = smtp.messages()
    assert list(message.iter_attachments()) == []
    assert message.get_content_type() == "text/plain"
