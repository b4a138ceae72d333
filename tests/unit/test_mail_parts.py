"""The parts of mail that need no server: SMTP URLs, the retry schedule, addresses, .eml names."""

from datetime import timedelta

import pytest

from core.messaging.mail import MAX_ATTEMPTS, retry_delay
from core.messaging.smtp import SmtpServer, check_address, eml_name


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.org", SmtpServer("mail.example.org", 25, None, None, use_tls=False, start_tls=False)),
    ("smtps://u:p@mail.example.org", SmtpServer("mail.example.org", 465, "u", "p", use_tls=True, start_tls=False)),
    ("smtp+starttls://a%40b.org:p%3Aw@mail.example.org",
     SmtpServer("mail.example.org", 587, "a@b.org", "p:w", use_tls=False, start_tls=True)),
    ("smtp+starttls://mail.example.org:2525", SmtpServer("mail.example.org", 2525, None, None, False, True)),
])
def test_smtp_urls_name_server_port_credentials_and_tls(url, expected):
    assert SmtpServer.from_url(url) == expected


def test_retries_wait_1_5_25_minutes_then_at_most_4_hours_and_stop_within_a_day():
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)]
    assert delays[:4] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25), timedelta(minutes=125)]
    assert max(delays) == timedelta(hours=4)
    assert sum(delays, timedelta()) < timedelta(days=1)


@pytest.mark.parametrize("address", ["ada@example.org", "  ada.lovelace+giuria@sub.example.org "])
def test_plain_addresses_are_accepted(address):
    assert check_address(address) == address.strip()


@pytest.mark.parametrize("address", [
    "", "ada", "ada@", "@example.org", "a@b@example.org", "Ada <ada@example.org>", "ada@example.org, eve@example.org",
    "ada@example.org\r\nBcc: eve@example.org", "ada @example.org", "x" * 250 + "@example.org",
])
def test_anything_but_one_plain_address_is_refused(address):
    with pytest.raises(ValueError, match="not a single email address"):
        check_address(address)


def test_eml_names_are_safe_file_names():
    assert eml_name(7, "account/verify") == "7-account-verify.eml"
    assert eml_name(8, "../../etc/passwd") == "8-etc-passwd.eml"
    assert eml_name(9, "") == "9-mail.eml"
