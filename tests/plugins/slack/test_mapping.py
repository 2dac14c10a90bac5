"""Slack mapping on real payloads and tables of mrkdwn examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub import markup
from hub.events import Event, Kind
from plugins.slack import catchup, mapping
from plugins.slack.mrkdwn import canonical_to_mrkdwn, escape_mrkdwn, mrkdwn_to_canonical

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"
CONNECTION = "lisbon-slack"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def parse(name: str, own: set[str] | None = None) -> list[Event]:
    return mapping.parse_payload(load(name), CONNECTION, own or set())


def test_new_message() -> None:
    [event] = parse("event_message_new.json")
    assert event.kind is Kind.MESSAGE_CREATED
    assert event.source.endpoint == "chat/C043YJGBY49"
    assert event.source.native_id == "C043YJGBY49/1663966382.046509"
    assert event.parent is None
    assert event.actor.native_id == "U043H11ES4V"
    assert event.body == "dgsfklsdgf"
    assert event.occurred_at == datetime(2022, 9, 23, 20, 53, 2, 46509, tzinfo=UTC)
    assert event.revision == ""
    assert event.raw["client_msg_id"] == "62ee8aaa-b28-4959-b2dc-c0ba4ecbfc7c"


def test_delete_names_the_deleted_message_not_the_event() -> None:
    [event] = parse("event_message_deleted.json")
    assert event.kind is Kind.MESSAGE_DELETED
    assert event.source.native_id == "C043YJGBY49/1663966382.046509"
    assert event.actor.native_id == "U043H11ES4V"
    assert event.occurred_at == datetime(2022, 9, 23, 21, 43, 3, 1500, tzinfo=UTC)


def test_other_apps_bot_message_is_ingested_with_its_name() -> None:
    [event] = parse("event_message_subtype_bot_message.json")
    assert event.actor.name == "Reacji Channeler"
    assert event.actor.native_id == "B07JWPS5Y5S"
    assert event.body == "https://myworkspace.slack.com/archives/C07KTH1T4CQ/p1724954997876929"


def test_url_verification_gives_no_event() -> None:
    assert parse("url_verification.json") == []


def test_unfurl_is_not_an_edit() -> None:
    assert parse("event_message_changed_unfurl.json") == []


def test_real_edit_is_an_update_with_the_edit_ts_as_revision() -> None:
    [event] = parse("event_message_changed_docs.json")
    assert event.kind is Kind.MESSAGE_UPDATED
    assert event.source.native_id == "C123ABC456/1355517523.000005"  # message.ts, not event.ts
    assert event.revision == "1358878755.000001"
    assert event.body == "Hello, world!"


def test_file_share_carries_the_downloadable_file() -> None:
    [event] = parse("event_message_file_share.json")
    [file] = event.attachments
    assert file.name == "namenamename.txt"
    assert file.mime_type == "text/plain"
    assert file.size == 12
    assert file.native_id == "F04EEHX1EES"
    assert file.url == ("https://files.slack.com/files-pri/T043DB835ML-F04EEHX1EES/download/"
                        "namenamename.txt")
    assert event.source.endpoint == "chat/D0442US94JD"


def test_thread_broadcast_is_a_reply_to_its_root() -> None:
    [event] = parse("event_thread_broadcast_docs.json")
    assert event.kind is Kind.MESSAGE_CREATED
    assert event.parent is not None
    assert event.parent.native_id == "C123ABC456/1673464730.703009"
    assert event.body == "broadcasting this reply"


def test_thread_reply_has_its_parent() -> None:
    payload = load("event_message_new.json")
    payload["event"].update(ts="1663966400.000100", thread_ts="1663966382.046509",
                            parent_user_id="U043H11ES4V")
    [event] = mapping.parse_payload(payload, CONNECTION, set())
    assert event.parent is not None
    assert event.parent.native_id == "C043YJGBY49/1663966382.046509"
    assert event.source.native_id == "C043YJGBY49/1663966400.000100"


def test_reaction_added_and_removed_share_an_id() -> None:
    [added] = parse("event_reaction_added_docs.json")
    assert added.kind is Kind.REACTION_ADDED
    assert added.parent is not None and added.parent.native_id == "C123ABC456/1360782400.498405"
    assert added.body == ":thumbsup:"
    removed_payload = load("event_reaction_added_docs.json")
    removed_payload["event"]["type"] = "reaction_removed"
    removed_payload["event"]["event_ts"] = "1360782900.000001"
    [removed] = mapping.parse_payload(removed_payload, CONNECTION, set())
    assert removed.kind is Kind.REACTION_REMOVED
    assert removed.source.native_id == added.source.native_id
    assert removed.dedupe_key != added.dedupe_key


@pytest.mark.parametrize("name", ["event_message_new.json", "event_message_deleted.json",
                                  "event_message_file_share.json",
                                  "event_thread_broadcast_docs.json"])
def test_events_round_trip_as_json(name: str) -> None:
    for event in parse(name):
        assert Event.model_validate_json(event.model_dump_json()) == event


# -- the hub's own posts ----------------------------------------------------------------------

def test_own_app_posts_are_dropped_by_envelope_app_id() -> None:
    payload = load("event_message_new.json")
    payload["event"].update(bot_id="B0442US8QGH", app_id="A0442TUPHGR")
    del payload["event"]["user"]
    assert mapping.parse_payload(payload, CONNECTION, set()) == []


def test_own_bot_user_is_dropped_by_authorizations() -> None:
    payload = load("event_message_new.json")
    payload["event"]["user"] = "U0442US8QGH"  # the authorised bot user of this install
    assert mapping.parse_payload(payload, CONNECTION, set()) == []


def test_a_person_authorising_a_user_token_is_not_the_hub() -> None:
    payload = load("event_message_changed_docs.json")  # authorizations: is_bot false, same user
    assert len(mapping.parse_payload(payload, CONNECTION, set())) == 1


def test_configured_own_identities_are_dropped() -> None:
    assert parse("event_message_new.json", own={"U043H11ES4V"}) == []


def test_metadata_marker_drops_the_hubs_posts_even_from_another_id() -> None:
    payload = load("event_message_new.json")
    payload["event"]["metadata"] = {"event_type": "passerelle_mirror",
                                    "event_payload": {"idempotency_key": "passerelle-42"}}
    assert mapping.parse_payload(payload, CONNECTION, set()) == []
    assert mapping.metadata_key(payload["event"], "passerelle_mirror") == "passerelle-42"


def test_edit_of_own_post_is_dropped() -> None:
    payload = load("event_message_changed_docs.json")
    payload["event"]["message"]["bot_id"] = "B999"
    assert mapping.parse_payload(payload, CONNECTION, {"B999"}) == []


@pytest.mark.parametrize("subtype", ["channel_join", "channel_topic", "message_replied"])
def test_housekeeping_subtypes_give_nothing(subtype: str) -> None:
    payload = load("event_message_new.json")
    payload["event"]["subtype"] = subtype
    assert mapping.parse_payload(payload, CONNECTION, set()) == []


def test_unknown_payload_is_a_clear_error() -> None:
    with pytest.raises(mapping.PayloadError, match="unknown Slack payload type"):
        mapping.parse_payload({"type": "block_actions"}, CONNECTION, set())
    with pytest.raises(mapping.PayloadError, match="JSON object"):
        mapping.parse_payload([1, 2], CONNECTION, set())


# -- mrkdwn → canonical -----------------------------------------------------------------------

@pytest.mark.parametrize(("mrkdwn", "canonical"), [
    ("plain words", "plain words"),
    ("*bold* _italic_ ~strike~", "**bold** _italic_ ~~strike~~"),
    ("`a<b` and &lt;tag&gt; &amp; co", "`a<b` and \\<tag> & co"),
    ("hi <@U123ABC> and <@U9|ana>", "hi <@slack:U123ABC> and <@slack:U9>"),
    ("see <#C0123|general>", "see \\#general"),
    ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
    ("<!subteam^S123|@design> ping", "@design ping"),
    ("<https://x.org/a?b=1&amp;c=2|the link>", "[the link](https://x.org/a?b=1&c=2)"),
    ("<https://y.org>", "https://y.org"),
    ("<mailto:a@b.org|write>", "[write](mailto:a@b.org)"),
    ("&gt; quoted *b*\nafter", "> quoted **b**\nafter"),
    ("• one\n• two", "- one\n- two"),
    ("```\ncode *x*\n&lt;\n```", "```\ncode *x*\n<\n```"),
    ("snake_case 2*3*4", "snake\\_case 2\\*3\\*4"),
    ("# not a heading", "\\# not a heading"),
])
def test_mrkdwn_to_canonical(mrkdwn: str, canonical: str) -> None:
    assert mrkdwn_to_canonical(mrkdwn) == canonical


@pytest.mark.parametrize("text", ["a*b", "2 * 3 * 4", "<!channel> & <x>", "under_score_name",
                                  "- dash at start", "> not a quote", "back\\slash"])
def test_plain_text_survives_the_trip_back(text: str) -> None:
    # What a person typed in Slack reads the same once it is canonical.
    canonical = mrkdwn_to_canonical(escape_mrkdwn(text))
    assert markup.plain_text(canonical) == text


# -- canonical → mrkdwn -----------------------------------------------------------------------

@pytest.mark.parametrize(("canonical", "mrkdwn"), [
    ("Hello **network**, see https://example.org", "Hello *network*, see <https://example.org>"),
    ("_it_ ~~gone~~ `x<y`", "_it_ ~gone~ `x&lt;y`"),
    ("[the site](https://x.org/?a=1&b=2)", "<https://x.org/?a=1&b=2|the site>"),
    ("hi <@slack:U123>", "hi <@U123>"),
    ("hi <@whatsapp:351900000000>", "hi @351900000000"),
    ("> quoted\n\nnext", "> quoted\n\nnext"),
    ("- one\n- two", "• one\n• two"),
    ("```\na < b\n```", "```\na &lt; b\n```"),
    ("Tom & Jerry \\<3", "Tom &amp; Jerry &lt;3"),
])
def test_canonical_to_mrkdwn(canonical: str, mrkdwn: str) -> None:
    assert canonical_to_mrkdwn(canonical) == mrkdwn


@pytest.mark.parametrize("broadcast", ["<!channel>", "<!here>", "<!everyone>",
                                       "<!subteam^S1|@all>"])
def test_broadcasts_from_elsewhere_never_ping(broadcast: str) -> None:
    # Another platform's text containing Slack's broadcast syntax arrives escaped.
    rendered = canonical_to_mrkdwn(markup.escape(f"hello {broadcast}"))
    assert "<!" not in rendered
    assert "&lt;!" in rendered
    # And a Slack broadcast mirrored to another Slack is only a word.
    assert "<!" not in canonical_to_mrkdwn(mrkdwn_to_canonical(broadcast))


def test_link_label_with_pipe_and_angle_in_url_stays_one_link() -> None:
    rendered = canonical_to_mrkdwn("[a | b](https://x.org/p?q=<1>)")
    assert rendered == "<https://x.org/p?q=%3C1%3E|a | b>"


# -- reactions and ids ------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "name"), [(":thumbsup:", "thumbsup"), ("👍", "+1"),
                                            ("🎉", "tada"), ("heart", "heart"),
                                            ("not an emoji!", None)])
def test_reaction_name(body: str, name: str | None) -> None:
    assert mapping.reaction_name(body) == name


def test_native_id_round_trip_and_bad_ids() -> None:
    assert mapping.split_native_id(mapping.native_id("C1", "1.2")) == ("C1", "1.2")
    with pytest.raises(mapping.PayloadError):
        mapping.split_native_id("no-slash")


# -- catch-up cursor --------------------------------------------------------------------------

def test_history_cursor_moves_only_when_history_and_threads_are_read() -> None:
    start = catchup.HistoryCursor(oldest="100.000000")
    assert catchup.HistoryCursor.load(start.dump()) == start
    page: list[dict[str, Any]] = [
        {"ts": "300.000001", "reply_count": 2, "latest_reply": "301.000000"},
        {"ts": "200.000001"}, {"ts": "150.0", "reply_count": 1, "latest_reply": "90.0"}]
    partial = start.page_read(page, "bmV4dA==")
    assert partial.page == "bmV4dA==" and not partial.history_done
    assert partial.threads == ("300.000001",)  # the other thread has no reply after oldest
    assert partial.settled() == partial
    again = catchup.HistoryCursor.load(partial.dump())
    assert again == partial
    done = partial.page_read([{"ts": "120.5"}], None)
    assert done.settled() == done  # a thread is still unread
    paging = done.thread_read("300.000001", "cGFnZTI=")
    assert paging.threads == ("300.000001 cGFnZTI=",)
    assert catchup.HistoryCursor.load(paging.dump()) == paging
    finished = paging.thread_read("300.000001 cGFnZTI=", None).settled()
    assert finished == catchup.HistoryCursor(oldest="300.000001")
    assert finished.dump() == "300.000001"


def test_history_cursor_of_an_empty_range_stays_put() -> None:
    cursor = catchup.HistoryCursor(oldest="100.0").page_read([], None).settled()
    assert cursor.oldest == "100.0"


def test_call_budget_spends_and_refills_with_its_clock() -> None:
    now = [0.0]
    budget = catchup.CallBudget(2, clock=lambda: now[0])
    assert budget.take() and budget.take()
    assert not budget.take()
    assert budget.wait() == pytest.approx(30.0)
    now[0] = 30.0
    assert budget.take()
    assert not budget.take()


# -- rendering an outgoing post ---------------------------------------------------------------

def _outgoing(body: str, title: str | None = None) -> Any:
    from hub.connector import Form, Outgoing
    from hub.events import Actor, Ref
    event = Event(kind=Kind.MESSAGE_CREATED,
                  source=Ref(platform="basecamp", connection="b", endpoint="board/1",
                             native_id="9"),
                  actor=Actor(platform="basecamp", native_id="7", name="Léa <Admin>"),
                  occurred_at=datetime(2026, 1, 1, tzinfo=UTC), body=body)
    return Outgoing(form=Form.MESSAGE, event=event, title=title, body=body,
                    idempotency_key="passerelle-7")


def test_render_title_body_and_prefix() -> None:
    out = _outgoing("Agenda **inside**", title="Summit & plans")
    assert mapping.render(out, prefix=False) == "*Summit &amp; plans*\nAgenda *inside*"
    assert mapping.render(out, prefix=True) == (
        "*Léa &lt;Admin&gt; (Basecamp):* *Summit &amp; plans*\nAgenda *inside*")
    assert mapping.mirror_metadata(out, "passerelle_mirror") == {
        "event_type": "passerelle_mirror",
        "event_payload": {"idempotency_key": "passerelle-7", "origin_platform": "basecamp"}}


def test_a_deleted_thread_root_left_as_a_tombstone_is_a_delete() -> None:
    # Shapes as reported from real workspaces (matterbridge#600, hackclub/toriel#238).
    payload = load("event_message_changed_docs.json")
    payload["event"]["message"] = {
        "subtype": "tombstone", "text": "This message was deleted.", "user": "USLACKBOT",
        "hidden": True, "type": "message", "ts": "1715816895.059599",
        "thread_ts": "1715816895.059599", "parent_user_id": "USLACKBOT", "reply_count": 1,
        "reply_users_count": 1, "latest_reply": "1715823386.583979",
        "reply_users": ["U04CBLNSVH6"], "is_locked": False, "subscribed": False}
    payload["event"]["previous_message"] = {
        "type": "message", "user": "U04CBLNSVH6", "text": "the root", "ts": "1715816895.059599",
        "thread_ts": "1715816895.059599", "reply_count": 1}
    [event] = mapping.parse_payload(payload, CONNECTION, set())
    assert event.kind is Kind.MESSAGE_DELETED
    assert event.source.native_id == "C123ABC456/1715816895.059599"
    assert event.actor.native_id == "U04CBLNSVH6"
    assert event.parent is None
