"""Settings: read from the environment and .env, checked by name, secrets never shown."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.app.config import (
    DEFAULT_DATABASE_PATH,
    DEFAULT_KNOWLEDGE_DIR,
    MASK,
    VARIABLES,
    SecretMasker,
    Settings,
    load_settings,
)
from bot.shared.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAH5abcdefghijklmnopqrstuvwxyz_-0123"


def settings_from(env: dict[str, str], env_file: Path | None = None, **kwargs: bool) -> Settings:
    return load_settings(env, env_file, **kwargs)


def test_defaults_with_only_a_token():
    s = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert s.token == TOKEN
    assert s.database_path == DEFAULT_DATABASE_PATH == "data/kyc-helper.sqlite3"
    assert s.knowledge_dir == DEFAULT_KNOWLEDGE_DIR == "knowledge"
    assert s.admin_user_ids == frozenset()
    assert s.bot_base_url is None and s.file_base_url is None
    assert not s.use_webhook


def test_environment_wins_over_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nDATABASE_PATH=from-file.sqlite3\nKNOWLEDGE_DIR=kb-from-file\n"
    )
    s = settings_from({"DATABASE_PATH": "from-env.sqlite3"}, env_file)
    assert s.token == TOKEN
    assert s.database_path == "from-env.sqlite3"
    assert s.knowledge_dir == "kb-from-file"


def test_missing_dotenv_file_is_fine(tmp_path):
    assert settings_from({"TELEGRAM_BOT_TOKEN": TOKEN}, tmp_path / "nope.env").token == TOKEN


@pytest.mark.parametrize("env", [{}, {"TELEGRAM_BOT_TOKEN": "  "}])
def test_missing_token_names_the_variable(env):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        settings_from(env)


def test_token_is_optional_for_run():
    assert settings_from({}, require_token=False).token is None


@pytest.mark.parametrize(
    "token",
    [
        "123456789",
        "123456789:",
        "abc:AAH5abcdefghijklmnopqrstuvwxyz_-0123",
        "123456789:AAH5abc",
        "123456789:AAH5abcdefghijklmnopqrstuvwxyz_-01.3",
        "123456789 AAH5abcdefghijklmnopqrstuvwxyz_-0123",
    ],
)
def test_malformed_token_is_refused_without_echoing_it(token):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is malformed") as info:
        settings_from({"TELEGRAM_BOT_TOKEN": token})
    assert token not in str(info.value)


def test_settings_repr_hides_secrets():
    s = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.com/hook",
            "WEBHOOK_SECRET": "topsecretvalue",
        }
    )
    assert TOKEN not in repr(s) and "topsecretvalue" not in repr(s)


def test_api_base_url_maps_to_bot_and_file_urls():
    for given in ("http://localhost:8081", "http://localhost:8081/", "http://localhost:8081/bot"):
        s = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": given})
        assert s.bot_base_url == "http://localhost:8081/bot"
        assert s.file_base_url == "http://localhost:8081/file/bot"
    with pytest.raises(ConfigError, match="TELEGRAM_API_BASE_URL"):
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "localhost:8081"})


def test_admin_user_ids():
    s = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_USER_IDS": " 12, 34 ,,56"})
    assert s.admin_user_ids == frozenset({12, 34, 56})
    with pytest.raises(ConfigError, match="ADMIN_USER_IDS has '@bob'"):
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_USER_IDS": "12,@bob"})


def test_log_level_is_checked():
    assert settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"})


def test_webhook_settings():
    s = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.com/kyc/hook/",
            "WEBHOOK_LISTEN": "0.0.0.0:8080",
            "WEBHOOK_SECRET": "abc_DEF-123",
        }
    )
    assert s.use_webhook
    assert (s.webhook_host, s.webhook_port, s.webhook_path) == ("0.0.0.0", 8080, "kyc/hook")
    assert s.webhook_secret == "abc_DEF-123"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"WEBHOOK_URL": "http://bot.example.com/hook", "WEBHOOK_SECRET": "x"}, "https://"),
        ({"WEBHOOK_URL": "https://bot.example.com/hook"}, "WEBHOOK_SECRET is not set"),
        (
            {"WEBHOOK_URL": "https://b.example/h", "WEBHOOK_SECRET": "has space"},
            "WEBHOOK_SECRET is malformed",
        ),
        ({"WEBHOOK_LISTEN": "8443"}, "WEBHOOK_LISTEN"),
        ({"WEBHOOK_LISTEN": "0.0.0.0:99999"}, "WEBHOOK_LISTEN"),
    ],
)
def test_bad_webhook_settings_are_named(extra, message):
    with pytest.raises(ConfigError, match=message):
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, **extra})


def test_env_example_documents_every_variable():
    lines = (REPO / ".env.example").read_text().splitlines()
    names = [m.group(1) for line in lines if (m := re.match(r"^([A-Z_]+)=", line))]
    assert names == list(VARIABLES)
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            assert lines[i - 1].startswith("# "), f"{line} has no comment above it"
    assert "AAH" not in "\n".join(lines)  # no real-looking token committed


def test_secret_masker_scrubs_message_arguments_and_tracebacks(caplog):
    masker = SecretMasker([TOKEN, "hook-secret-1"])
    logger = logging.getLogger("test.masker")
    caplog.set_level(logging.DEBUG)
    masker.install()
    try:
        logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("secret half %s and webhook %s", TOKEN.partition(":")[2], "hook-secret-1")
        try:
            raise RuntimeError(f"connect failed for /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        masker.uninstall()
    logger.info("after uninstall %s", "hook-secret-1")

    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == f"POST https://api.telegram.org/bot{MASK}/getMe"
    assert messages[1] == f"secret half {MASK} and webhook {MASK}"
    assert (
        TOKEN.partition(":")[2] not in caplog.text
        and "hook-secret-1" not in caplog.text.split("after uninstall")[0]
    )
    assert f"/bot{MASK}/sendMessage" in caplog.records[2].exc_text
    assert messages[3] == "after uninstall hook-secret-1"  # uninstall restores plain logging


def test_instance_settings():
    s = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_RATE_LIMIT": "0", "FOLLOWUP_INTERVAL": "0.5"})
    assert (s.rate_limit, s.followup_interval) == (0.0, 0.5)
    assert settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "INSTANCE_NAME": "web-2"}).instance == "web-2"
    assert settings_from({"TELEGRAM_BOT_TOKEN": TOKEN}).http_client == "lean"
    assert settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_HTTP_CLIENT": "HTTPX"}).http_client == "httpx"
    for name, value in (("TELEGRAM_RATE_LIMIT", "-1"), ("FOLLOWUP_INTERVAL", "0"), ("FOLLOWUP_INTERVAL", "soon"),
                        ("TELEGRAM_HTTP_CLIENT", "curl")):
        with pytest.raises(ConfigError, match=name):
            settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})


def test_database_url_selects_postgresql_and_its_password_is_a_secret():
    url = "postgresql://kyc:pa55word-xyz@db.internal:5432/kyc"
    s = settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": url})
    assert s.database == url and "pa55word-xyz" in s.secrets
    assert "pa55word" not in repr(s)
    with pytest.raises(ConfigError, match="DATABASE_URL must start with postgresql://") as err:
        settings_from({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://u:hunter22@h/db"})
    assert "hunter22" not in str(err.value)
