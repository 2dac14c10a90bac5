"""How `passerelle run` logs: readable lines or one JSON object per line, a level per logger,
and the configured secrets masked in every record.

`[logging]` in the settings: `format = "text" | "json"`, `level` for every logger, and
`levels = { "hub.delivery" = "debug" }` for a logger and its children.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from hub.settings import HubSettings, LoggingSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The scheduler announces every run of every job at INFO, and httpx every request (a busy hub:
# hundreds of lines a second, and a few percent of its time): only their problems matter,
# unless `levels` asks for more.
QUIET_BY_DEFAULT = {"apscheduler": "warning", "httpx": "warning"}
# Settings whose values are secrets, by the end of their name (as connectors name them).
SECRET_SUFFIXES = ("token", "secret", "key", "keys", "password")
MASK = "***"


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class Masking(logging.Filter):
    """Replace each secret by *** in a record's message and traceback, before any formatter
    sees it: a library may quote a token in an error (an URL, a refused header)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole; short values would
        # mask ordinary words.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = self._mask(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = self._mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def configured_secrets(settings: HubSettings) -> list[str]:
    """Every secret value the settings hold: the admin token, the store keys, and each
    connection's values whose name ends like a secret's (bot_token, signing_secret, …)."""
    found: list[str] = []
    if settings.web.admin_token is not None:
        found.append(settings.web.admin_token.get_secret_value())
    found.extend(key.get_secret_value() for key in settings.store.encryption_keys)
    for connection in settings.connections.values():
        found.extend(_secret_values(connection))
    return found


def _secret_values(table: Any, secret: bool = False) -> Iterable[str]:
    if isinstance(table, dict):
        for name, value in table.items():
            yield from _secret_values(value, secret or str(name).lower().endswith(SECRET_SUFFIXES))
    elif isinstance(table, list):
        for value in table:
            yield from _secret_values(value, secret)
    elif secret and isinstance(table, str):
        yield table
    elif secret and hasattr(table, "get_secret_value"):
        yield str(table.get_secret_value())


def set_up_logging(settings: HubSettings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every record to `stream` (stderr) as `[logging]` says; returns the handler, which
    replaces any the root logger had (calling this twice does not log twice)."""
    chosen = settings.logging
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonLines() if chosen.format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Masking(configured_secrets(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen.level.upper())
    for name, level in levels_of(chosen).items():
        logging.getLogger(name).setLevel(level.upper())
    return handler


def levels_of(chosen: LoggingSettings) -> dict[str, str]:
    """Each logger's level: the configured ones over the quiet defaults."""
    return {**QUIET_BY_DEFAULT, **chosen.levels}
