"""No secret setting takes a value that guards nothing: blank, white space, or too short."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import build
from hub.errors import ConfigError
from hub.settings import load_settings

SLACK = '[connections.lisbon-slack]\ntype = "slack"\nbot_token = "xoxb-1-2-abcdefgh"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "passerelle.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n{text}', encoding="utf-8")
    return path


@pytest.mark.parametrize(("given", "says"), [
    ('admin_token = ""', "web.admin_token: Value error, is blank"),
    ('admin_token = "   "', "web.admin_token: Value error, is blank"),
    ('admin_token = "let-me-in"', "web.admin_token: Value error, is 9 characters long"),
])
def test_a_blank_or_short_admin_token_is_refused_in_the_file(
        tmp_path: Path, given: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(write(tmp_path, f"[web]\n{given}\n"))
    assert any(says in problem for problem in refused.value.problems), refused.value.problems
    assert "secrets.token_urlsafe" in str(refused.value)


def test_a_blank_admin_token_in_the_environment_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_WEB__ADMIN_TOKEN", "")
    with pytest.raises(ConfigError, match=r"web\.admin_token: Value error, is blank"):
        load_settings(write(tmp_path, ""))


def test_a_secret_file_holding_only_a_newline_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.admin_token: Value error, is blank"):
        load_settings(write(tmp_path, f'[web]\nadmin_token_file = "{secret}"\n'))


def test_surrounding_white_space_is_dropped(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[web]\nadmin_token = " 0123456789abcdef\\n"\n'))
    assert settings.web.admin_token is not None
    assert settings.web.admin_token.get_secret_value() == "0123456789abcdef"


@pytest.mark.parametrize(("table", "setting"), [
    (SLACK + 'signing_secret = ""\n', "signing_secret"),
    ('[connections.members]\ntype = "whatsapp"\naccess_token = "EAAG-0123456789"\n'
     'verify_token = "verify-0123456789"\napp_secret = ""\n', "app_secret"),
    ('[connections.members]\ntype = "whatsapp"\naccess_token = "EAAG-0123456789"\n'
     'app_secret = "0123456789abcdef0123"\nverify_token = "v"\n', "verify_token"),
    ('[connections.meetings]\ntype = "zoom"\nclient_secret = "0123456789abcdef"\n'
     'secret_token = " "\n', "secret_token"),
    ('[connections.network]\ntype = "basecamp"\nwebhook_secret = ""\n', "webhook_secret"),
    (SLACK.replace("xoxb-1-2-abcdefgh", "") + 'signing_secret = "0123456789abcdef"\n',
     "bot_token"),
])
def test_check_refuses_a_blank_or_short_connection_secret_naming_it(
        tmp_path: Path, table: str, setting: str) -> None:
    result = CliRunner().invoke(build(), ["check", "--config", str(write(tmp_path, table))])
    assert result.exit_code == 2, result.output
    assert f"{setting}: Value error, is " in result.output
    assert "configuration refused" in result.output


def test_a_model_s_secret_settings_are_found_by_their_type() -> None:
    from pydantic import BaseModel

    from hub.credentials import Credential, DoorSecret, secret_settings

    class Example(BaseModel):
        name: str = "x"
        token: Credential
        signing: DoorSecret | None = None
        note: str | None = None

    assert secret_settings(Example) == ("token", "signing")
