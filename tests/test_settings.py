import re
from pathlib import Path

import pytest

from errorledger.errors import ConfigurationError
from errorledger.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_defaults_put_sqlite_under_the_data_dir() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path(".errorledger")
    assert settings.database_url == "sqlite:///.errorledger/errorledger.db"
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.redact is True


def test_database_url_follows_a_custom_data_dir() -> None:
    settings = Settings.from_env({"ERRORLEDGER_DATA_DIR": "/srv/el"})
    assert settings.database_url == "sqlite:////srv/el/errorledger.db"


def test_values_are_parsed_into_their_types() -> None:
    settings = Settings.from_env(
        {
            "ERRORLEDGER_DATABASE_URL": "postgresql://u@h:5432/db",
            "ERRORLEDGER_MAX_BODY_BYTES": "2048",
            "ERRORLEDGER_REDACT": "off",
            "ERRORLEDGER_LOG_LEVEL": "DEBUG",
            "ERRORLEDGER_UNRELATED": "ignored",
        }
    )
    assert settings.database_url == "postgresql://u@h:5432/db"
    assert settings.max_body_bytes == 2048
    assert settings.redact is False
    assert settings.log_level == "debug"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ERRORLEDGER_MAX_BODY_BYTES", "lots"),
        ("ERRORLEDGER_MAX_JSON_DEPTH", "0"),
        ("ERRORLEDGER_REDACT", "maybe"),
        ("ERRORLEDGER_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `(ERRORLEDGER_[A-Z_]+)` \|", DOCS.read_text(), re.M))
    assert documented == set(Settings.env_names())
