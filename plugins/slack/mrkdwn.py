"""Slack mrkdwn ⇄ the canonical body (hub.markup). Pure functions.

Slack escapes only `&`, `<` and `>`; everything else in `<…>` is a link, a mention or a
broadcast. Broadcasts (`<!here>`, `<!channel>`, `<!everyone>`, user groups) become plain
words, and text from elsewhere is escaped, so nothing mirrored can ping a whole channel.
"""

from __future__ import annotations

import re

from hub import markup

PLATFORM = "slack"
BROADCASTS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}

# --- mrkdwn → canonical -------------------------------------------------------------------

_INLINE = re.compile(
    r"<(?P<special>[^<>\n]+)>"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])"
)


def unescape(text: str) -> str:
    """Slack's three entities back to characters (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_to_canonical(text: str) -> str:
    """Slack mrkdwn as canonical markup; `<!here>`-style broadcasts become plain words."""
    blocks: list[str] = []
    for index, part in enumerate(text.split("```")):
        if index % 2:
            code = unescape(part.strip("\n"))
            blocks.append(f"```\n{code}\n```")
        elif part.strip():
            blocks.append(_lines_to_canonical(part.strip("\n")))
    if text.count("```") % 2:  # an unclosed fence is literal text, as Slack shows it
        return _lines_to_canonical(text)
    return "\n\n".join(blocks)


def _lines_to_canonical(text: str) -> str:
    out = []
    quote_rest = False  # `>>>` quotes everything after it
    for line in text.split("\n"):
        quoted = quote_rest
        if line.startswith("&gt;&gt;&gt;"):
            quote_rest = quoted = True
            line = line[12:].lstrip()
        elif line.startswith("&gt;"):
            quoted = True
            line = line[4:].lstrip()
        if line.startswith(("• ", "◦ ", "▪ ")):
            line = "- " + inline_to_canonical(line[2:])
        else:
            line = inline_to_canonical(line)
        out.append(("> " + line).rstrip() if quoted else line)
    return "\n".join(out)


def inline_to_canonical(text: str) -> str:
    """One line of mrkdwn as canonical inline markup."""
    out: list[str] = []
    position = 0
    for found in _INLINE.finditer(text):
        out.append(markup.escape(unescape(text[position:found.start()])))
        position = found.end()
        if found.group("special") is not None:
            out.append(_special(found.group("special")))
        elif found.group("code") is not None:
            out.append(f"`{unescape(found.group('code'))}`")
        elif found.group("bold") is not None:
            out.append(f"**{inline_to_canonical(found.group('bold'))}**")
        elif found.group("italic") is not None:
            out.append(f"_{inline_to_canonical(found.group('italic'))}_")
        else:
            out.append(f"~~{inline_to_canonical(found.group('strike'))}~~")
    out.append(markup.escape(unescape(text[position:])))
    return "".join(out)


def _special(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return markup.mention(PLATFORM, target[1:])
    if target.startswith("#"):
        return markup.escape("#" + (label or target[1:]))
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        # A broadcast keeps its word but never its power: it must not ping a channel elsewhere.
        return markup.escape(BROADCASTS.get(name) or unescape(label) or f"@{name}")
    url = unescape(target)
    if not label or unescape(label) == url:
        return url if markup.URL.fullmatch(url) else f"[{markup.escape(url)}]({url})"
    return f"[{markup.escape(unescape(label))}]({url})"


# --- canonical → mrkdwn -------------------------------------------------------------------

def escape_mrkdwn(text: str) -> str:
    """Plain text made safe for Slack: only `&`, `<` and `>` are escaped (Slack's rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def canonical_to_mrkdwn(body: str) -> str:
    """A canonical body as Slack mrkdwn. Text that looks like `<!channel>` is escaped, so
    nothing arriving from another platform can ping a whole channel."""
    return "\n\n".join(_block(block) for block in markup.parse(body))


def _block(block: markup.Block) -> str:
    if isinstance(block, markup.Paragraph):
        return _inlines(block.inlines)
    if isinstance(block, markup.CodeBlock):
        return f"```\n{escape_mrkdwn(block.text)}\n```"
    if isinstance(block, markup.Quote):
        inner = "\n\n".join(_block(b) for b in block.blocks)
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    return "\n".join("• " + _inlines(item) for item in block.items)


_STYLE = {"bold": "*", "italic": "_", "strike": "~"}


def _inlines(nodes: tuple[markup.Inline, ...]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, markup.Text):
            out.append(escape_mrkdwn(node.text))
        elif isinstance(node, markup.Styled):
            mark = _STYLE[node.style]
            out.append(f"{mark}{_inlines(node.children)}{mark}")
        elif isinstance(node, markup.Code):
            out.append(f"`{escape_mrkdwn(node.text)}`")
        elif isinstance(node, markup.Link):
            url = node.url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
            label = markup.plain_inline(node.children)
            out.append(f"<{url}|{escape_mrkdwn(label)}>" if label and label != node.url
                       else f"<{url}>")
        elif isinstance(node, markup.Mention):
            out.append(f"<@{node.native_id}>" if node.platform == PLATFORM
                       else escape_mrkdwn(node.shown))
        else:
            out.append("\n")
    return "".join(out)
