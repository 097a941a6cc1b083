"""Settings from the environment: defaults, overrides, and secrets that never reach a log line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DB, TELEGRAM_API, Settings, redact_url

TOKEN = "7012345678:AAHk-Secret_TokenPart0123456789abcdef"
SECRET = "hook-Secret_0123456789"
PASSWORD = "pg-Pa55word"


def test_defaults_from_an_empty_environment():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.token == ""
    assert settings.api_base_url == TELEGRAM_API == "https://api.telegram.org/bot"
    assert settings.database_url == DEFAULT_DB == "sqlite://data/gridbot.sqlite3"
    assert settings.jurisdiction is None
    assert settings.timezone == "Asia/Shanghai"
    assert settings.webhook_secret == ""


def test_every_variable_overrides_its_default():
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "DATABASE_URL": f"postgres://gridbot:{PASSWORD}@db.internal:5432/gridbot",
        "GRIDBOT_JURISDICTION": "examples/yingze.yaml",
        "GRIDBOT_TIMEZONE": "Asia/Urumqi",
        "GRIDBOT_WEBHOOK_SECRET": SECRET,
        "GRIDBOT_TELEGRAM_TIMEOUT": "12.5",
        "UNRELATED": "ignored",
    })
    assert settings.token == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == f"postgres://gridbot:{PASSWORD}@db.internal:5432/gridbot"
    assert settings.jurisdiction == Path("examples/yingze.yaml")
    assert settings.timezone == "Asia/Urumqi"
    assert settings.webhook_secret == SECRET
    assert settings.telegram_timeout == 12.5


@pytest.mark.parametrize("value", ["0", "-1", "soon", "301"])
def test_a_telegram_timeout_that_is_not_a_sensible_number_of_seconds_is_refused_by_name(value):
    with pytest.raises(ValueError, match="GRIDBOT_TELEGRAM_TIMEOUT"):
        Settings.from_env({"GRIDBOT_TELEGRAM_TIMEOUT": value})


def test_reads_the_process_environment_when_given_none(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("GRIDBOT_TIMEZONE", "UTC")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings.from_env()
    assert (settings.token, settings.timezone, settings.database_url) == (TOKEN, "UTC", DEFAULT_DB)


def test_empty_variables_mean_unset_and_a_pasted_newline_is_dropped():
    """`DATABASE_URL=` in a compose file must not become an empty URL the bot then chokes on."""
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN + "\n",
        "TELEGRAM_API_BASE_URL": "",
        "DATABASE_URL": "",
        "GRIDBOT_JURISDICTION": "",
        "GRIDBOT_TIMEZONE": " ",
        "GRIDBOT_WEBHOOK_SECRET": "",
    })
    assert settings == Settings(token=TOKEN)


def test_settings_are_immutable():
    with pytest.raises(AttributeError):
        Settings().token = TOKEN  # type: ignore[misc]


def test_repr_and_str_never_show_the_token_the_webhook_secret_or_a_password():
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"postgres://gridbot:{PASSWORD}@db.internal:5432/gridbot",
        "GRIDBOT_WEBHOOK_SECRET": SECRET,
        "GRIDBOT_JURISDICTION": "examples/yingze.yaml",
    })
    for text in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert "Settings(" in text and "yingze.yaml" in text  # the harmless fields are there
        for secret in (TOKEN, TOKEN.split(":")[1], SECRET, PASSWORD):
            assert secret not in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgres://gridbot:{PASSWORD}@db.internal:5432/gridbot",
         "postgres://gridbot:***@db.internal:5432/gridbot"),
        # an unencoded @ or / inside the password (Tortoise takes the last @)
        ("postgres://gridbot:p@ss/w0rd@db:5432/gridbot", "postgres://gridbot:***@db:5432/gridbot"),
        (f"postgres://db:5432/gridbot?user=gridbot&password={PASSWORD}&ssl=true",
         "postgres://db:5432/gridbot?user=gridbot&password=***&ssl=true"),
        (f"https://api.telegram.org/bot{TOKEN}/getUpdates", "https://api.telegram.org/bot***/getUpdates"),
        (f"https://api.telegram.org/file/bot{TOKEN}/photos/file_1.jpg",
         "https://api.telegram.org/file/bot***/photos/file_1.jpg"),
        # nothing secret: unchanged, and no password invented where there is none
        ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test"),
        ("sqlite://data/gridbot.sqlite3", "sqlite://data/gridbot.sqlite3"),
        ("sqlite://:memory:", "sqlite://:memory:"),
        (TELEGRAM_API, TELEGRAM_API),
    ],
)
def test_redact_url(url, expected):
    redacted = redact_url(url)
    assert redacted == expected
    for secret in (PASSWORD, "p@ss/w0rd", TOKEN, TOKEN.split(":")[1]):
        assert secret not in redacted


@pytest.mark.parametrize(
    ("base", "file_base"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("https://api.telegram.org/bot/", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),  # a local Bot API server
        ("http://gateway.internal/telegram/bot", "http://gateway.internal/telegram/file/bot"),
    ],
)
def test_api_base_file_url(base, file_base):
    assert Settings(api_base_url=base).api_base_file_url == file_base


def test_api_base_file_url_of_the_default_is_telegrams():
    assert Settings().api_base_file_url == "https://api.telegram.org/file/bot"


async def test_api_base_file_url_matches_the_sandbox(sandbox):
    settings = Settings(token=sandbox.token, api_base_url=sandbox.base_url)
    assert settings.api_base_file_url == sandbox.base_file_url
