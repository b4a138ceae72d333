"""Mail templates rendered in the recipient's language: a subject, a plain-text body and, optionally, HTML.

A template `<name>` is the files `core/messaging/mail_templates/<name>.subject.txt`, `<name>.txt` and, when the
mail is better with a table or a button, `<name>.html`. Text is rendered without escaping and HTML
with it, so a name such as "Rossi & <Figli>" reads right in both.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from core.platform import i18n

MAIL_TEMPLATE_DIR = Path(__file__).resolve().parent / "mail_templates"
TEMPLATE_NAME = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")
SUBJECT_LENGTH = 300  # OutgoingMail.subject

log = logging.getLogger("giuria.mail")


class MailTemplateError(ValueError):
    """A mail template is missing, or the context it was given cannot make a correct mail."""


@dataclass(frozen=True)
class RenderedMail:
    language: str
    subject: str
    text: str
    html: str


def _environment(*, html: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(MAIL_TEMPLATE_DIR)),
        autoescape=html,  # noqa: S701 - the text environment renders plain text, never HTML
        # A missing variable is a bug in the caller: better an error at enqueue than "Hello ," in a mailbox.
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    environment.globals["current_language"] = i18n.current_language
    return environment


@cache
def _environments() -> tuple[Environment, Environment]:
    return _environment(html=False), _environment(html=True)


@dataclass(frozen=True)
class MailOverride:
    """An edition's own wording of a mail in one language; an empty HTML body means a text-only mail."""

    subject: str
    body_text: str
    body_html: str = ""


@cache
def _sandboxes() -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
    """Organisers write overrides: they run sandboxed (no attribute tricks, no files) and HTML is escaped."""
    options = {"undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
               "keep_trailing_newline": True}
    # The first renders plain text (subject, text body), never HTML.
    return (SandboxedEnvironment(autoescape=False, **options),
            SandboxedEnvironment(autoescape=True, **options))


class OverrideError(MailTemplateError):
    """An override that does not render; `part` is subject, body_text or body_html, `line` where it failed."""

    def __init__(self, part: str, message: str, line: int | None = None) -> None:
        self.part, self.message, self.line = part, message, line
        super().__init__(f"{part}: line {line}: {message}" if line else f"{part}: {message}")


def render_override(override: MailOverride, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of an override, rendered in the sandbox; OverrideError names the part and line."""
    text_environment, html_environment = _sandboxes()
    rendered = []
    for part, source, environment in (("subject", override.subject, text_environment),
                                      ("body_text", override.body_text, text_environment),
                                      ("body_html", override.body_html, html_environment)):
        if part == "body_html" and not source.strip():
            rendered.append("")
            continue
        try:
            rendered.append(environment.from_string(source).render(context))
        except TemplateError as error:
            raise OverrideError(part, getattr(error, "message", None) or str(error),
                                getattr(error, "lineno", None)) from None
        except Exception as error:  # a call that fails inside (a bad filter argument, say) is the same fault
            raise OverrideError(part, f"{type(error).__name__}: {error}") from None
    return rendered[0], rendered[1], rendered[2]


def _check_links(context: dict) -> None:
    """Links must be absolute (built on settings.base_url): a relative link in a mailbox leads nowhere."""
    for key, value in context.items():
        if (key == "link" or key.endswith("_link")) and not re.match(r"https?://[^/\s]+", str(value)):
            raise MailTemplateError(f"context[{key!r}] must be an absolute http(s) URL, got {value!r}")


def mail_language(language: str) -> str:
    """The language a mail is written in: `language` if the platform has it, else the default."""
    with i18n.language(language):
        return i18n.current_language()


def render_mail(*, template: str, language: str, context: dict, override: MailOverride | None = None
                ) -> RenderedMail:
    """Render the subject and bodies of `template` in `language` (an unknown language falls back to the default).

    An edition's `override` is used when given; should it fail to render, the file template is used and
    the fault logged, so a wording mistake never stops the change that sends the mail.
    """
    if not TEMPLATE_NAME.fullmatch(template):
        raise MailTemplateError(f"not a mail template name: {template!r}")
    _check_links(context)
    text_environment, html_environment = _environments()
    with i18n.language(language):
        effective_language = i18n.current_language()
        if override is not None:
            try:
                subject, text, html = render_override(override, context)
            except OverrideError as error:
                log.warning("the override of mail template %r (%s) does not render, using the file: %s",
                            template, effective_language, error)
            else:
                return _finish(effective_language, subject, text, html)
        for required in (f"{template}.subject.txt", f"{template}.txt"):
            if not (MAIL_TEMPLATE_DIR / required).is_file():
                raise MailTemplateError(f"mail template {template!r} lacks {required}")
        try:
            subject = text_environment.get_template(f"{template}.subject.txt").render(context)
            text = text_environment.get_template(f"{template}.txt").render(context)
            html = ""
            if (MAIL_TEMPLATE_DIR / f"{template}.html").is_file():
                html = html_environment.get_template(f"{template}.html").render(context)
        except UndefinedError as error:
            raise MailTemplateError(f"mail template {template!r}: {error}") from None
    return _finish(effective_language, subject, text, html)


def _finish(effective_language: str, subject: str, text: str, html: str) -> RenderedMail:
    # One line, whatever the template or the data: a newline in a header would start a new header.
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1] + "…"
    return RenderedMail(language=effective_language, subject=subject, text=text.strip() + "\n",
                        html=html.strip() + "\n" if html.strip() else "")


def absolute_url(base_url: str, path: str) -> str:
    """A link for a mail: `path` on the platform's public address (settings.base_url)."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")
