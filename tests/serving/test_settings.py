"""Settings come from ZONGJIE_* environment variables; a wrong value is a clear error."""
from __future__ import annotations

import pytest


def test_environment_variables_reach_the_commands(cli, trained, monkeypatch, tmp_path):
    monkeypatch.setenv("ZONGJIE_MODELS_DIR", str(trained["models"]))
    result = cli("models", "list")
    assert result.code == 0
    assert trained["version"] in result.out
    monkeypatch.setenv("ZONGJIE_MODELS_DIR", str(tmp_path / "nowhere"))
    assert trained["version"] not in cli("models", "list").out


@pytest.mark.parametrize("name, value, message", [
    ("ZONGJIE_MAX_PARAGRAPHS", "lots", "ZONGJIE_MAX_PARAGRAPHS='lots' is not an integer"),
    ("ZONGJIE_RELOAD_INTERVAL", "2s", "ZONGJIE_RELOAD_INTERVAL='2s' is not a number"),
    ("ZONGJIE_MAX_BODY_BYTES", "0", "ZONGJIE_MAX_BODY_BYTES='0' must be greater than 0"),
    ("ZONGJIE_MODELS_DIR", " ", "ZONGJIE_MODELS_DIR is empty: give a path"),
])
def test_a_wrong_setting_is_an_error_message_not_a_traceback(cli, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    result = cli("labels", "stats")
    assert result.code == 1
    assert result.err == f"Error: {message}\n"
