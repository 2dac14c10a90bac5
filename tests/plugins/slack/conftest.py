"""respx routes shaped like the Slack Web API's documented answers."""

from __future__ import annotations

import pytest
import respx

BASE = "https://slack.com/api/"
SCOPES = ("chat:write,chat:write.customize,channels:history,groups:history,files:read,"
          "files:write,users:read,reactions:read,reactions:write")
AUTH_TEST = {"ok": True, "url": "https://lisbon.slack.com/", "team": "Lisbon",
             "user": "passerelle", "team_id": "T0LISBON", "user_id": "U0BOT",
             "bot_id": "B0BOT", "is_enterprise_install": False}


class Ticks:
    """Test time that passes only when it is read: each reading is one `tick` after the last.

    The Slack sandbox's one-post-per-interval rule and the connector's pacing both read it, so
    the sandbox sees exactly the spacing the connector chose, however loaded the machine: no
    request in flight makes time pass. A connector that stops pacing, or paces faster than the
    sandbox allows, still earns a 429. The connector's limiter really sleeps what it computes,
    in these units: keep intervals a few ticks long.
    """

    def __init__(self, tick: float = 0.001) -> None:
        self.now = 1000.0
        self.tick = tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


@pytest.fixture
def api() -> respx.Router:
    router = respx.Router(assert_all_mocked=True, base_url=BASE)
    router.post("auth.test", name="check").respond(
        json=AUTH_TEST, headers={"x-oauth-scopes": SCOPES})
    router.post("chat.postMessage", name="send").respond(json={
        "ok": True, "channel": "C0123ABC", "ts": "1764149400.000200",
        "message": {"type": "message", "text": "Hello", "bot_id": "B0BOT",
                    "ts": "1764149400.000200"}})
    router.post("conversations.history", name="poll").respond(json={
        "ok": True, "has_more": False, "pin_count": 0,
        "messages": [
            {"type": "message", "user": "U0ANA", "text": "second", "ts": "1764149300.000300"},
            {"type": "message", "user": "U0ANA", "text": "first", "ts": "1764149200.000100"},
        ],
        "response_metadata": {"next_cursor": ""}})
    router.post("users.info", name="users").respond(json={
        "ok": True, "user": {"id": "U0ANA", "name": "ana", "real_name": "Ana Souza",
                             "profile": {"display_name": "Ana", "real_name": "Ana Souza",
                                         "image_72": "https://avatars.slack-edge.com/ana.png"}}})
    router.post("users.list", name="people").respond(json={
        "ok": True, "members": [{"id": "U0ANA", "name": "ana", "real_name": "Ana Souza",
                                 "deleted": False, "is_bot": False, "tz": "Europe/Lisbon",
                                 "profile": {"real_name": "Ana Souza", "display_name": "Ana",
                                             "email": "ana@example.org"}}],
        "response_metadata": {"next_cursor": ""}})
    return router
