"""send(): fan-out to circle members, the 24-hour window, templates, errors and retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.connector import Address, Form, LocalFile, Shape, Target
from hub.errors import AuthError, ConfigError, PermanentError, TransientError
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from tests.plugins.whatsapp.conftest import message_payload, signed, text_from
from tests.plugins.whatsapp.helpers import NOW, Graph, graph_error, make_connector, outgoing

A, B = "972987654321", "351912345678"
CIRCLE = Target(Address.parse("wa/circle/general"), Shape.CHAT)


async def open_windows(connector: WhatsAppConnector, *keys: str) -> None:
    for key in keys:
        await connector.roster.save(
            Member(key=key, last_inbound=NOW - timedelta(hours=2)))


async def test_text_fans_out_to_every_member_in_window() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    receipt = await connector.send(outgoing(), CIRCLE)
    assert receipt.native_id == "wamid.out1"
    assert graph.sent == [
        {"messaging_product": "whatsapp", "to": A, "type": "text",
         "text": {"body": "*Ana Souza (Slack)*\nHello *all*", "preview_url": False},
         "biz_opaque_callback_data": "passerelle-1"},
        {"messaging_product": "whatsapp", "to": B, "type": "text",
         "text": {"body": "*Ana Souza (Slack)*\nHello *all*", "preview_url": False},
         "biz_opaque_callback_data": "passerelle-1"},
    ]
    request = graph.messages.calls[0].request
    assert request.headers["authorization"] == "Bearer EAAG-test-token"


async def test_outside_the_window_the_template_goes_instead() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)  # B has never written
    await connector.send(outgoing("A new **agenda** for Monday\nmore"), CIRCLE)
    [to_b] = graph.to(B)
    assert to_b["type"] == "template"
    assert to_b["template"] == {
        "name": "new_post", "language": {"code": "pt_PT"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Ana Souza (Slack)"},
            {"type": "text", "text": "A new agenda for Monday"}]}]}
    assert graph.to(A)[0]["type"] == "text"


async def test_window_error_falls_back_to_the_template() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    graph.failures[B] = [graph_error(131047, "(#131047) Re-engagement message",
                                     details="more than 24 hours have passed")]
    await connector.send(outgoing(), CIRCLE)
    assert [m["type"] for m in graph.to(B)] == ["template"]
    member = await connector.roster.load(B)
    assert member is not None and member.last_inbound is None


async def test_without_template_members_outside_the_window_are_skipped_with_a_clear_error(
) -> None:
    graph = Graph()
    connector = make_connector(graph, template=None)
    with pytest.raises(PermanentError, match=r"template\] \(name, language, parameters\)"):
        await connector.send(outgoing(), CIRCLE)
    await open_windows(connector, A)
    receipt = await connector.send(outgoing(key="passerelle-2"), CIRCLE)
    assert receipt.native_id == "wamid.out1" and graph.to(B) == []


@pytest.mark.parametrize("code", [130429, 131056])
async def test_rate_limits_are_transient_and_a_retry_does_not_send_twice(code: int) -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    graph.failures[B] = [graph_error(code, f"(#{code}) rate limit hit")]
    with pytest.raises(TransientError) as caught:
        await connector.send(outgoing(), CIRCLE)
    assert caught.value.retry_after == 6.0
    assert len(graph.to(A)) == 1 and graph.to(B) == []
    receipt = await connector.send(outgoing(), CIRCLE)  # the delivery's retry
    assert len(graph.to(A)) == 1 and len(graph.to(B)) == 1
    assert receipt.native_id == "wamid.out1"


async def test_one_undeliverable_member_does_not_stop_the_others() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    graph.failures[A] = [graph_error(131026, "(#131026) Message Undeliverable.")]
    receipt = await connector.send(outgoing(), CIRCLE)
    assert graph.to(A) == [] and len(graph.to(B)) == 1
    assert receipt.native_id == "wamid.out1"


async def test_every_member_refused_is_permanent() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    for key in (A, B):
        graph.failures[key] = [graph_error(131030, "(#131030) Recipient not in allowed list")]
    with pytest.raises(PermanentError, match="131030"):
        await connector.send(outgoing(), CIRCLE)


@pytest.mark.parametrize(("response", "error"), [
    (graph_error(190, "Error validating access token", status=401, subcode=463), AuthError),
    (graph_error(10, "(#10) Application does not have permission", status=403), AuthError),
    (graph_error(131000, "Something went wrong", status=500), TransientError),
    (graph_error(4, "(#4) Application request limit reached"), TransientError),
    (graph_error(100, "(#100) Invalid parameter"), PermanentError),
])
async def test_graph_errors_are_mapped(response: object, error: type[Exception]) -> None:
    graph = Graph()
    connector = make_connector(graph)
    target = Target(Address.parse("wa/group/GROUP1"), Shape.CHAT)
    graph.failures["GROUP1"] = [response]  # type: ignore[list-item]
    with pytest.raises(error) as caught:
        await connector.send(outgoing(), target)
    assert "EAAG-test-token" not in str(caught.value)


async def test_group_send_and_quote_reply() -> None:
    graph = Graph()
    connector = make_connector(graph)
    target = Target(Address.parse("wa/group/GROUP1"), Shape.CHAT)
    await connector.send(outgoing(form=Form.REPLY, reply_to="wamid.parent"), target)
    assert graph.sent == [{"messaging_product": "whatsapp", "recipient_type": "group",
                           "to": "GROUP1", "type": "text",
                           "text": {"body": "*Ana Souza (Slack)*\nHello *all*",
                                    "preview_url": False},
                           "context": {"message_id": "wamid.parent"},
                           "biz_opaque_callback_data": "passerelle-1"}]


async def test_replies_quote_each_members_own_copy() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    first = await connector.send(outgoing(), CIRCLE)
    await connector.send(outgoing("Reply", form=Form.REPLY, reply_to=first.native_id,
                                  key="passerelle-2"), CIRCLE)
    assert graph.to(A)[1]["context"] == {"message_id": "wamid.out1"}
    assert graph.to(B)[1]["context"] == {"message_id": "wamid.out2"}


async def test_reply_to_a_members_own_message_quotes_it_for_them_only() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, B)
    written = text_from(A, "Question?", "wamid.xyzxyz", int(NOW.timestamp()) - 60)
    await connector.receive(signed(message_payload(written)))
    await connector.send(outgoing("Answer", form=Form.REPLY, reply_to="wamid.xyzxyz"), CIRCLE)
    assert graph.to(A)[0]["context"] == {"message_id": "wamid.xyzxyz"}
    assert "context" not in graph.to(B)[0]


async def test_reaction_goes_to_each_members_copy() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    first = await connector.send(outgoing(), CIRCLE)
    await connector.send(outgoing("👍", form=Form.REACTION, reply_to=first.native_id,
                                  key="passerelle-2"), CIRCLE)
    assert graph.to(B)[1] == {"messaging_product": "whatsapp", "to": B, "type": "reaction",
                              "reaction": {"message_id": "wamid.out2", "emoji": "👍"},
                              "biz_opaque_callback_data": "passerelle-2"}


async def test_reaction_without_a_target_is_refused() -> None:
    connector = make_connector(Graph())
    await open_windows(connector, A, B)
    with pytest.raises(PermanentError, match="reacts to"):
        await connector.send(outgoing("👍", form=Form.REACTION), CIRCLE)
    group = Target(Address.parse("wa/group/GROUP1"), Shape.CHAT)
    with pytest.raises(PermanentError, match="groups do not accept reactions"):
        await connector.send(outgoing("👍", form=Form.REACTION, reply_to="x"), group)


async def test_files_are_uploaded_once_and_sent_by_id(tmp_path: Path) -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7")
    files = (LocalFile(photo, "photo.jpg", "image/jpeg", photo.stat().st_size),
             LocalFile(report, "report.pdf", "application/pdf", report.stat().st_size))
    await connector.send(outgoing("Minutes", form=Form.FILE, files=files), CIRCLE)
    assert graph.uploads == 2
    upload = graph.media.calls[0].request
    assert b'name="messaging_product"' in upload.content and b"whatsapp" in upload.content
    assert b'name="type"\r\n\r\nimage/jpeg' in upload.content
    assert graph.to(A) == [
        {"messaging_product": "whatsapp", "to": A, "type": "image",
         "image": {"id": "media1", "caption": "*Ana Souza (Slack)*\nMinutes"},
         "biz_opaque_callback_data": "passerelle-1"},
        {"messaging_product": "whatsapp", "to": A, "type": "document",
         "document": {"id": "media2", "filename": "report.pdf"},
         "biz_opaque_callback_data": "passerelle-1"},
    ]
    assert [m["type"] for m in graph.to(B)] == ["image", "document"]


async def test_too_large_file_becomes_a_note(tmp_path: Path) -> None:
    graph = Graph()
    connector = make_connector(graph, max_media_bytes=10)
    await open_windows(connector, A)
    big = tmp_path / "big.zip"
    big.write_bytes(b"0" * 20)
    files = (LocalFile(big, "big.zip", "application/zip", 20),)
    await connector.send(outgoing("Archive", files=files),
                         Target(Address.parse(f"wa/member/{A}"), Shape.CHAT))
    assert graph.uploads == 0
    assert "big.zip (0.0 MB) is too large for WhatsApp" in graph.to(A)[0]["text"]["body"]


async def test_empty_circle_and_unknown_circle() -> None:
    connector = make_connector(Graph(), circles={"general": {"members": []}})
    with pytest.raises(PermanentError, match="no opted-in members"):
        await connector.send(outgoing(), CIRCLE)
    with pytest.raises(ConfigError, match=r'has no circle "x"; add \[connections.wa.circles.x\]'):
        await connector.send(outgoing(), Target(Address.parse("wa/circle/x"), Shape.CHAT))


async def test_bsuid_member_is_addressed_by_recipient() -> None:
    graph = Graph()
    connector = make_connector(graph, circles={"general": {"members": ["US.1349"]}})
    await connector.roster.save(Member(key="US.1349", user_id="US.1349",
                                       last_inbound=NOW - timedelta(hours=1)))
    await connector.send(outgoing(), CIRCLE)
    assert graph.sent[0]["recipient"] == "US.1349" and "to" not in graph.sent[0]


async def test_check_online_and_missing_number() -> None:
    graph = Graph()
    connector = make_connector(graph)
    lines = await connector.check(online=True)
    assert "number +972 12-345-6789 (Passerelle Network), quality GREEN" in lines
    with pytest.raises(ConfigError, match="phone_number_id is not set"):
        await make_connector(graph, phone_number_id=None).check(online=False)


async def test_edit_is_told_as_a_quote_reply_to_members_in_window() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)  # B is outside the window: no template for an edit
    first = await connector.send(outgoing("Meeting at 5"), CIRCLE)
    await connector.update(outgoing("Meeting at **6**", key="passerelle-2"), CIRCLE,
                           first.native_id)
    edit = graph.to(A)[1]
    assert edit["context"] == {"message_id": first.native_id}
    assert edit["text"]["body"] == "*Ana Souza (Slack)*\n✏️ _Edited_\nMeeting at *6*"
    assert [m["type"] for m in graph.to(B)] == ["template"]


async def test_delete_takes_a_reaction_back_or_tells_the_deletion() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    message = await connector.send(outgoing(), CIRCLE)
    reaction = await connector.send(outgoing("👍", form=Form.REACTION, key="passerelle-2",
                                             reply_to=message.native_id), CIRCLE)
    await connector.delete(CIRCLE, reaction.native_id)
    assert graph.to(B)[-1]["reaction"] == {"message_id": "wamid.out2", "emoji": ""}
    await connector.delete(CIRCLE, message.native_id)
    assert graph.to(A)[-1] == {"messaging_product": "whatsapp", "to": A, "type": "text",
                               "text": {"body": "🗑️ _Deleted at its source_",
                                        "preview_url": False},
                               "context": {"message_id": "wamid.out1"},
                               "biz_opaque_callback_data": "deleted-wamid.out1"}


async def test_notices_to_nobody_are_not_errors() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await connector.update(outgoing(), CIRCLE, "wamid.unknown")
    await connector.delete(CIRCLE, "wamid.unknown")
    assert graph.sent == []
