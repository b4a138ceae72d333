"""Settings: a bad value stops the start with one line naming the variable."""

import pytest

from core.platform.settings import SettingsError, load_settings


def test_defaults_use_sqlite_in_the_data_directory(tmp_path):
    settings = load_settings({"GIURIA_DATA_DIR": str(tmp_path)})
    assert settings.database_engine == "sqlite"
    assert settings.sqlite_path == tmp_path / "giuria.sqlite3"
    assert settings.env == "development"


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_settings({"GIURIA_DATA_DIR": str(tmp_path)})
    second = load_settings({"GIURIA_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("environ", "expected"), [
    ({"GIURIA_ENV": "staging"}, "GIURIA_ENV: expected one of development, production, test, got 'staging'"),
    ({"GIURIA_DATABASE_URL": "mysql://x/y"}, "GIURIA_DATABASE_URL: expected a URL starting with"),
    ({"GIURIA_BASE_URL": "example.org"}, "GIURIA_BASE_URL: expected a URL starting with http:// or https://"),
    ({"GIURIA_SMTP_URL": "mail.example.org:25"}, "GIURIA_SMTP_URL: expected a URL starting with smtp://"),
    ({"GIURIA_SMTP_URL": "smtp:///mail"}, "GIURIA_SMTP_URL: expected a server name"),
    ({"GIURIA_SMTP_URL": "smtps://mail.example.org:smtp"}, "GIURIA_SMTP_URL: the port is not a number"),
    ({"GIURIA_MAIL_FROM": "Giuria"}, "GIURIA_MAIL_FROM: expected an address"),
    ({"GIURIA_MAIL_INTERVAL_SECONDS": "-1"}, "GIURIA_MAIL_INTERVAL_SECONDS: expected a number of at least 0"),
    ({"GIURIA_DB_POOL_SIZE": "many"}, "GIURIA_DB_POOL_SIZE: expected a whole number, got 'many'"),
    ({"GIURIA_LOGIN_ATTEMPTS_PER_IP": "0"}, "GIURIA_LOGIN_ATTEMPTS_PER_IP: expected a number of at least 1, got 0"),
    ({"GIURIA_TIME_ZONE": "Europe/Milano"}, "GIURIA_TIME_ZONE: expected an IANA time zone"),
    ({"GIURIA_PLUGINS_DIR": "/no/such/dir"}, "GIURIA_PLUGINS_DIR: expected an existing directory"),
    ({"GIURIA_ENV": "production"}, "GIURIA_SECRET_KEY: required when GIURIA_ENV=production"),
    ({"GIURIA_ENV": "production", "GIURIA_SECRET_KEY": "short"}, "GIURIA_SECRET_KEY: too weak"),
    ({"GIURIA_ENV": "production", "GIURIA_SECRET_KEY": "a" * 40}, "GIURIA_SECRET_KEY: too weak"),
])
def test_bad_values_name_the_variable(tmp_path, environ, expected):
    with pytest.raises(SettingsError) as error:
        load_settings({"GIURIA_DATA_DIR": str(tmp_path), **environ})
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_production_accepts_a_strong_secret_and_does_not_write_one(tmp_path):
    secret = "Zq8vX2mN4pL7rT1yB6cW9dF3gH5jK0sA"
    settings = load_settings({"GIURIA_DATA_DIR": str(tmp_path), "GIURIA_ENV": "production",
                              "GIURIA_SECRET_KEY": secret, "GIURIA_BASE_URL": "https://giuria.example.org/",
                              "GIURIA_DATABASE_URL": "postgresql://giuria@db.internal/giuria"})
    assert settings.secret_key == secret
    assert settings.database_engine == "postgres"
    assert settings.secure_cookies
    assert settings.base_url == "https://giuria.example.org"
    assert not (tmp_path / "secret_key").exists()
