"""The canonical body: parse, plain text, escape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.markup import (
    Break,
    Code,
    CodeBlock,
    Link,
    ListItems,
    Mention,
    Paragraph,
    Quote,
    Styled,
    Text,
    escape,
    first_line,
    mention,
    parse,
    parse_inline,
    plain_text,
)


@pytest.mark.parametrize(("body", "inlines"), [
    ("plain", (Text("plain"),)),
    ("**bold** and _it_", (Styled("bold", (Text("bold"),)), Text(" and "),
                           Styled("italic", (Text("it"),)))),
    ("~~gone~~", (Styled("strike", (Text("gone"),)),)),
    ("`x = 1`", (Code("x = 1"),)),
    ("see [the plan](https://example.org/p)", (Text("see "),
                                               Link("https://example.org/p", (Text("the plan"),)))),
    ("at https://example.org/a.", (Text("at "), Link("https://example.org/a", ()), Text("."))),
    ("hi <@slack:U024BE7LH>", (Text("hi "), Mention("slack", "U024BE7LH"))),
    ("hi <@basecamp:1049715913|Victor Cooper>!", (Text("hi "),
                                                 Mention("basecamp", "1049715913", "Victor Cooper"),
                                                 Text("!"))),
    ("line\nnext", (Text("line"), Break(), Text("next"))),
    ("snake_case_name", (Text("snake_case_name"),)),
    ("2 * 3 * 4", (Text("2 * 3 * 4"),)),
    (r"\*not bold\*", (Text("*not bold*"),)),
])
def test_inline(body: str, inlines: tuple[object, ...]) -> None:
    assert parse_inline(body) == inlines


def test_blocks() -> None:
    body = "intro\n\n> quoted\n> more\n\n- one\n- two\n\n```python\nprint(1)\n```"
    assert parse(body) == [
        Paragraph((Text("intro"),)),
        Quote((Paragraph((Text("quoted"), Break(), Text("more"))),)),
        ListItems(((Text("one"),), (Text("two"),))),
        CodeBlock("print(1)", "python"),
    ]


def test_mention_tokens_keep_the_name() -> None:
    token = mention("whatsapp", "351912345678", "Ana <Souza> | Lisboa")
    assert token == "<@whatsapp:351912345678|Ana Souza Lisboa>"
    assert plain_text(f"ping {token}") == "ping @Ana Souza Lisboa"
    assert mention("slack", "U1") == "<@slack:U1>"


def test_plain_text_and_first_line() -> None:
    body = "**Meeting** moved to [Friday](https://example.org)\n\nDetails follow."
    assert plain_text(body) == "Meeting moved to Friday (https://example.org)\n\nDetails follow."
    assert first_line(body) == "Meeting moved to Friday (https://example.org)"
    assert first_line("x" * 200, limit=10) == "xxxxxxxxx…"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
               max_size=80))
def test_escaped_text_reads_back_exactly(text: str) -> None:
    if any(not line.strip() for line in text.split("\n")):
        return  # blank lines separate paragraphs: not one paragraph of text any more
    assert plain_text(escape(text)) == text


@pytest.mark.parametrize("text", ["a*b_c [x] <y>", "- not a list", "> not a quote",
                                  "```", "<!channel> hi", "http://example.org/x_y_z",
                                  "2 < 3 > 1 & done"])
def test_escaped_text_examples(text: str) -> None:
    assert plain_text(escape(text)) == text
