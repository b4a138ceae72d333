"""An organiser's mail wording is refused at preview and at save when it would render too much or for too long."""

from __future__ import annotations

import time

import pytest
from markupsafe import escape

from core.platform.tables import MailTemplateOverride
from tests.conftest import csrf_token, run
from tests.integration.test_organise_admission_mail import EN, SLUG, seed

PATH = f"/organise/{SLUG}/mail-templates/en/application/receipt"
TOO_LONG = "The mail would be longer than 100,000 characters: remove the repetition."
TOO_SLOW = "The mail takes too long to write: its loops or repetitions are too large."
COSTLY = [
    ("{{ 'a' * 100000000 }}", TOO_LONG),
    ("{{ '%999999999d' % 1 }}", TOO_LONG),
    ("{{ '{:>999999999}'.format(1) }}", TOO_LONG),
    ("{{ name|center(999999999) }}", TOO_LONG),
    ("{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}", TOO_LONG),
    ("{{ range(10000)|map('string')|join('a' * 10000) }}", TOO_LONG),
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", TOO_SLOW),
    ("{% for i in range(100000000) %}x{% endfor %}", TOO_SLOW),
    ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}", TOO_SLOW),
]


@pytest.mark.parametrize("action", ["preview", "save"])
def test_costly_wording_is_refused_quickly_with_a_clear_message(client, action):
    seed(client)
    token = csrf_token(client, PATH)
    for body, message in COSTLY:
        started = time.monotonic()
        response = client.post(PATH, headers=EN, data={"_csrf_token": token, "action": action,
                                                       "subject": "Receipt", "body_text": body})
        assert time.monotonic() - started < 3, body
        assert response.status_code == 400, body
        assert message in response.text, body
        assert str(escape(body)) in response.text  # what was typed stays in the box
    assert run(MailTemplateOverride.count()) == 0


def test_ordinary_wording_still_renders(client):
    seed(client)
    token = csrf_token(client, PATH)
    body = ("Dear {{ name }},\n{% for i in range(3) %}{{ loop.index }}.{% endfor %} "
            "{{ '{:,}'.format(150000) }} {{ '%d euro' % 1500 }} {{ ('-' * 20) ~ '!' }}")
    response = client.post(PATH, headers=EN, data={"_csrf_token": token, "action": "preview", "subject": "Receipt",
                                                   "body_text": body})
    assert response.status_code == 200
    assert "1.2.3. 150,000 1500 euro --------------------!" in response.text


def test_an_overlong_text_is_refused(client):
    seed(client)
    token = csrf_token(client, PATH)
    response = client.post(PATH, headers=EN, data={"_csrf_token": token, "action": "save", "subject": "Receipt",
                                                   "body_text": "x" * 20_001})
    assert response.status_code == 400 and "The text is longer than 20,000 characters." in response.text
    assert run(MailTemplateOverride.count()) == 0
