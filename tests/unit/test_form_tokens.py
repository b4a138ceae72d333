"""Every form that posts carries the CSRF token as the middleware reads it: a form without it, or with the
template's token function printed instead of called, is refused in a real browser while HTTP tests that take
the token from elsewhere on the page still pass."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
POST_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)


def test_every_posting_form_carries_the_token():
    missing = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for form in POST_FORM.finditer(text):
            if "csrf_input" not in form.group(1) and "csrf_token()" not in form.group(1):
                missing.append(f"{template.relative_to(TEMPLATES)}:{text[:form.start()].count(chr(10)) + 1}")
    assert missing == []


def test_no_template_prints_the_token_function():
    printed = [str(template.relative_to(TEMPLATES)) for template in TEMPLATES.rglob("*.html")
               if re.search(r"\{\{\s*csrf_token\s*\}\}", template.read_text(encoding="utf-8"))]
    assert printed == []
