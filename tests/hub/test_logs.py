"""How `passerelle run` logs: text or JSON lines, levels per logger, secrets masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from hub.errors import ConfigError
from hub.logs import JsonLines, set_up_logging
from hub.settings import HubSettings, load_settings

BOT_TOKEN = "xoxb-1234567890-secret-value"


@pytest.fixture(autouse=True)
def _root_restored() -> Iterator[None]:
    """Each test sets the process's logging up; the next test finds it as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    touched = ["hub", "hub.delivery", "apscheduler", "httpx"]
    levels = {name: logging.getLogger(name).level for name in touched}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def settings(**logging_section: Any) -> HubSettings:
    return HubSettings(logging=logging_section, connections={
        "lisbon-slack": {"type": "slack", "bot_token": BOT_TOKEN, "signing_secret": "s" * 32,
                         "channel_interval_seconds": 1.0}})


def lines_of(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_carry_time_level_logger_message_and_exception() -> None:
    out = io.StringIO()
    set_up_logging(settings(format="json"), out)
    logging.getLogger("hub.delivery").warning("delivery %d to %s failed", 7, "x/chat/y")
    try:
        raise ValueError("the cause")
    except ValueError:
        logging.getLogger("hub.app").exception("routing failed")
    first, second = (json.loads(line) for line in lines_of(out))
    assert first["level"] == "warning"
    assert first["logger"] == "hub.delivery"
    assert first["message"] == "delivery 7 to x/chat/y failed"
    assert first["time"].endswith("+00:00")
    assert "exception" not in first
    assert second["message"] == "routing failed"
    assert "ValueError: the cause" in second["exception"]


def test_text_is_one_readable_line_per_record() -> None:
    out = io.StringIO()
    set_up_logging(settings(), out)
    logging.getLogger("hub.app").info("started")
    (line,) = lines_of(out)
    assert line.endswith(" INFO hub.app: started")


def test_levels_are_set_per_logger_and_its_children() -> None:
    out = io.StringIO()
    set_up_logging(settings(level="warning", levels={"hub.delivery": "debug"}), out)
    logging.getLogger("hub.delivery.files").debug("shown: a child of hub.delivery")
    logging.getLogger("hub.app").info("hidden: below the general level")
    logging.getLogger("httpx").info("hidden: quiet unless asked")
    assert [line.split(": ", 1)[1] for line in lines_of(out)] == [
        "shown: a child of hub.delivery"]


def test_a_quiet_library_can_be_made_to_speak() -> None:
    out = io.StringIO()
    set_up_logging(settings(levels={"httpx": "info"}), out)
    logging.getLogger("httpx").info("HTTP Request: GET /")
    assert len(lines_of(out)) == 1


def test_configured_secrets_never_reach_the_log() -> None:
    out = io.StringIO()
    set_up_logging(settings(format="json"), out)
    logging.getLogger("hub.network").error("refused header Bearer %s", BOT_TOKEN)
    try:
        raise RuntimeError(f"token {BOT_TOKEN} was refused")
    except RuntimeError:
        logging.getLogger("hub.app").exception("calling Slack failed")
    assert BOT_TOKEN not in out.getvalue()
    first, second = (json.loads(line) for line in lines_of(out))
    assert first["message"] == "refused header Bearer ***"
    assert "token *** was refused" in second["exception"]


def test_setting_up_twice_does_not_log_twice() -> None:
    out = io.StringIO()
    set_up_logging(settings(), out)
    set_up_logging(settings(), out)
    logging.getLogger("hub").warning("once")
    assert len(lines_of(out)) == 1


def test_json_lines_format_a_record_without_a_handler() -> None:
    record = logging.LogRecord("hub.x", logging.ERROR, __file__, 1, "plain %s", ("text",), None)
    assert json.loads(JsonLines().format(record))["message"] == "plain text"


@pytest.mark.parametrize(("toml", "problem"), [
    ('[logging]\nformat = "xml"\n', "logging.format"),
    ('[logging]\nlevel = "loud"\n', "unknown log level 'loud'"),
    ('[logging]\nlevels = { "hub.delivery" = "verbose" }\n', "unknown log level 'verbose'"),
])
def test_a_wrong_logging_setting_is_refused_at_load(tmp_path: Any, toml: str,
                                                    problem: str) -> None:
    path = tmp_path / "passerelle.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert problem in str(refused.value)
