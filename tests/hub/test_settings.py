"""Settings: the file, the environment over it, secrets from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.settings import CONFIG_ENV, HubSettings, config_path, load_settings

EXAMPLE = Path(__file__).parents[2] / "config" / "passerelle.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "passerelle.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_is_valid() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.store.url == "sqlite:///passerelle.db"
    assert settings.web.port == 8470


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///file.db"\n[delivery]\nmax_attempts = 4\n')
    monkeypatch.setenv("HUB_STORE__URL", "sqlite:///env.db")
    settings = load_settings(path)
    assert settings.store.url == "sqlite:///env.db"
    assert settings.delivery.max_attempts == 4


def test_a_connection_secret_from_the_environment_finds_its_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[connections.lisbon-slack]\ntype = "slack"\nbot_token = "old"\n')
    monkeypatch.setenv("HUB_CONNECTIONS__LISBON_SLACK__BOT_TOKEN", "xoxb-from-env")
    settings = load_settings(path)
    assert settings.connections == {"lisbon-slack": {"type": "slack",
                                                     "bot_token": "xoxb-from-env"}}


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret-0123456789\n", encoding="utf-8")
    path = write(tmp_path, f'[web]\nadmin_token_file = "{secret}"\n')
    token = load_settings(path).web.admin_token
    assert token is not None and token.get_secret_value() == "s3cret-0123456789"
    assert "s3cret-0123456789" not in repr(load_settings(path))


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[web]\nadmin_token_file = "/nonexistent/token"\n')
    with pytest.raises(ConfigError, match=r"admin_token_file.*/nonexistent/token"):
        load_settings(path)


def test_errors_name_the_key_and_never_echo_values(tmp_path: Path) -> None:
    path = write(tmp_path, '[delivery]\nmax_attempts = "hunter2"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "delivery.max_attempts" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_bad_toml_and_missing_file_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[store\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_which_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert config_path(None) is None  # embedded defaults
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "passerelle.toml").write_text("")
    assert config_path(None) == Path("config/passerelle.toml")
    monkeypatch.setenv(CONFIG_ENV, "/etc/passerelle.toml")
    assert config_path(None) == Path("/etc/passerelle.toml")
    assert config_path(Path("given.toml")) == Path("given.toml")


def test_two_tables_spelling_one_connection_are_refused(tmp_path: Path) -> None:
    # The environment cannot tell them apart: merged, one would take the other's secrets.
    path = write(tmp_path, '[connections.lisbon-slack]\ntype = "slack"\n'
                           '[connections.lisbon_slack]\ntype = "slack"\n')
    with pytest.raises(ConfigError, match='"lisbon-slack" and "lisbon_slack" differ only by'):
        load_settings(path)


def test_the_body_budget_must_hold_one_whole_body(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nmax_body_bytes = 2000000\nmax_buffered_body_bytes = 1000000\n")
    with pytest.raises(ConfigError, match="every full-size webhook would be refused"):
        load_settings(path)


def test_an_unknown_time_zone_is_refused_at_load_naming_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path, '[bridges.general]\nendpoints = [\n'
                           '  { at = "lisbon-slack/chat/C1", timezone = "Europe/Lisbon" },\n'
                           '  { at = "members-whatsapp/circle/general", '
                           'timezone = "Europe/Lisboa" },\n]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).count("\n") == 0
    assert f"config {path}: bridges.general.endpoints.1.timezone: " in str(caught.value)
    assert 'unknown time zone "Europe/Lisboa"; use an IANA name such as "Europe/Paris"' \
        in str(caught.value)


def test_endpoint_time_zones_and_a_bridges_original(tmp_path: Path) -> None:
    path = write(tmp_path, '[bridges.general]\nshow_original = "below"\nendpoints = [\n'
                           '  { at = "lisbon-slack/chat/C1", timezone = "America/Sao_Paulo" },\n'
                           '  { at = "network-basecamp/board/2" },\n]\n')
    bridge = load_settings(path).bridges["general"]
    assert bridge.show_original == "below"
    assert [e.timezone for e in bridge.endpoints] == ["America/Sao_Paulo", None]
    path = write(tmp_path, '[bridges.general]\nshow_original = "above"\nendpoints = []\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "bridges.general.show_original: Input should be 'none', 'below' or 'link'" \
        in str(caught.value)


def test_the_stop_grace_and_logging_have_defaults_and_take_the_file(tmp_path: Path) -> None:
    defaults = load_settings(write(tmp_path, ""))
    assert defaults.delivery.stop_grace_seconds == 20.0
    assert (defaults.logging.format, defaults.logging.level) == ("text", "info")
    chosen = load_settings(write(tmp_path, '[delivery]\nstop_grace_seconds = 5\n[logging]\n'
                                 'format = "json"\nlevels = { "hub.delivery" = "DEBUG" }\n'))
    assert chosen.delivery.stop_grace_seconds == 5.0
    assert chosen.logging.format == "json"
    assert chosen.logging.levels == {"hub.delivery": "debug"}


def test_settings_remember_the_file_and_environment_they_were_read_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "passerelle.toml"
    config.write_text('[web]\nport = 9001\n')
    monkeypatch.setenv("HUB_WEB__HOST", "127.0.0.2")
    settings = load_settings(config)
    # What changes afterwards is not what the running settings came from.
    config.write_text('[web]\nport = 9002\n')
    monkeypatch.setenv("HUB_WEB__HOST", "127.0.0.3")
    provenance = settings.provenance
    assert provenance is not None and provenance.file == config
    assert provenance.data == {"web": {"port": 9001}}
    assert provenance.environ["HUB_WEB__HOST"] == "127.0.0.2"
    assert HubSettings().provenance is None  # built in code: not read from anywhere
