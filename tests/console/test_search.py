"""The Search and Thread pages: the archive searched in any language, a thread read in one.

The pure parts (the form read into filters, a passage cut at its marks, the language a thread
is shown in) with tables of examples; the pages on the demo's network, in a real browser where
what matters is what a person sees.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.archive.records import Filters, ItemKind
from hub.archive.text import Snippet
from hub.connector import Address, Shape
from hub.console.pages.search import Part, Problem, asked, parts
from hub.console.pages.thread import AS_WRITTEN, anchor, chosen_language
from hub.demo.runner import ROUNDS
from hub.demo.story import english_thread, french_post, members_join
from hub.demo.world import BASECAMP, CHANNEL, SLACK, World
from hub.router import Bridge, BridgeEndpoint
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.signing import signed_in
from tests.console.traffic import BOUND

# The searches across languages go through the demo's translator.
needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None,
                                    reason="apt-get install apertium apertium-fr-es "
                                           "apertium-es-pt apertium-eng-spa")
GENERAL = Bridge("general", (
    BridgeEndpoint(Address.parse(f"{BASECAMP}/board/7"), Shape.BOARD),
    BridgeEndpoint(Address.parse(f"{SLACK}/chat/{CHANNEL}"), Shape.CHAT)))


# -- the form, read ------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "filters"), [
    ({"q": "jardins"}, Filters()),
    ({"q": "jardins", "platform": "slack", "kind": "comment", "language": "fr",
      "author": "Hugo Bernard", "has_file": "no"},
     Filters(platforms=frozenset({"slack"}), kinds=frozenset({ItemKind.COMMENT}),
             languages=frozenset({"fr"}), authors=frozenset({"Hugo Bernard"}),
             has_file=False)),
    ({"has_file": "yes"}, Filters(has_file=True)),
    # Both days are whole: "until" the 14th takes in the 14th.
    ({"since": "2026-03-14", "until": "2026-03-14"},
     Filters(since=datetime(2026, 3, 14, tzinfo=UTC), until=datetime(2026, 3, 15, tzinfo=UTC))),
    ({"until": "9999-12-31"}, Filters()),
    ({"bridge": "general"},
     Filters(endpoints=frozenset({f"{BASECAMP}/board/7", f"{SLACK}/chat/{CHANNEL}"}))),
    ({"q": "  spaces  ", "platform": " ", "since": ""}, Filters()),
])
def test_the_form_reads_into_filters(params: dict[str, str], filters: Filters) -> None:
    search = asked(params, [GENERAL])
    assert search.problems == ()
    assert search.filters == filters
    assert search.narrowed is (filters != Filters())


@pytest.mark.parametrize(("params", "problems"), [
    ({"since": "2026-13-01"}, [Problem("since", "2026-13-01")]),
    ({"until": "tomorrow"}, [Problem("until", "tomorrow")]),
    ({"since": "2026-03-15", "until": "2026-03-14"}, [Problem("order", "2026-03-15 > 2026-03-14")]),
    # An unknown bridge narrows to nothing rather than to everything.
    ({"bridge": "nope"}, [Problem("bridge", "nope")]),
    ({"kind": "tweet"}, [Problem("kind", "tweet")]),
    ({"has_file": "maybe", "since": "x"}, [Problem("since", "x"), Problem("has_file", "maybe")]),
])
def test_what_the_form_cannot_read_is_named(params: dict[str, str],
                                            problems: list[Problem]) -> None:
    assert list(asked(params, [GENERAL]).problems) == problems


@pytest.mark.parametrize(("snippet", "expected"), [
    (Snippet("We can present our project of gardens.", ((19, 26), (30, 37))),
     [Part("We can present our ", False), Part("project", True), Part(" of ", False),
      Part("gardens", True), Part(".", False)]),
    (Snippet("jardins", ((0, 7),)), [Part("jardins", True)]),
    (Snippet("nothing matched", ()), [Part("nothing matched", False)]),
    (Snippet("<b>a</b> & b", ((3, 4),)),
     [Part("<b>", False), Part("a", True), Part("</b> & b", False)]),
    (Snippet("overlap here", ((0, 7), (4, 12))), [Part("overlap", True), Part(" here", False)]),
])
def test_a_passage_is_cut_at_its_marks(snippet: Snippet, expected: list[Part]) -> None:
    assert list(parts(snippet)) == expected


@pytest.mark.parametrize(("asked_for", "console", "language"), [
    ("en", "fr", "en"),
    (None, "fr", "fr"),
    ("xx", "pt", "pt"),
    (None, "es", ""),  # the thread has no Spanish texts: each item as written
    (AS_WRITTEN, "en", ""),
])
def test_the_thread_is_shown_in_the_language_asked_else_the_console_s(
        asked_for: str | None, console: str, language: str) -> None:
    assert chosen_language(asked_for, console, ["en", "fr", "pt"]) == language


def test_an_item_s_anchor_is_a_plain_id_of_its_key() -> None:
    made = anchor((SLACK, "C0NETWORK/1796175180.659700"))
    assert re.fullmatch(r"item-[0-9a-f]{12}", made)
    assert made == anchor((SLACK, "C0NETWORK/1796175180.659700"))
    assert made != anchor((SLACK, "C0NETWORK/1796175180.659701"))


# -- the pages ----------------------------------------------------------------------------

Act = Callable[[World], Awaitable[None]]


async def _story(demo: Demo,
                 acts: Sequence[Act] = (members_join, french_post, english_thread)) -> None:
    """By default Camille's French post and Hugo's comment on Basecamp, Emma's English thread
    on Slack, delivered (WhatsApp's circle has members) and archived."""
    for act in acts:
        await act(demo.world)
        await _settle(demo)


async def _settle(demo: Demo) -> None:
    """As the demo settles, within a bound for a loaded machine: archiving translates."""
    for _ in range(ROUNDS):
        await demo.world.quiet()
        await demo.hub.settle(BOUND)


async def _sign_in(page: Page, demo: Demo) -> None:
    await page.get_by_label("Admin token").fill(demo.token)
    await _following(page, page.get_by_role("button", name="Sign in"))


async def _following(page: Page, control: Locator) -> None:
    """Click `control` and wait for the page it leads to, within a bound for a loaded machine:
    a search takes seconds (it translates its words)."""
    async with page.expect_navigation(wait_until="domcontentloaded", timeout=BOUND * 1000):
        await control.click()


async def _searching(page: Page, words: str) -> None:
    search = page.get_by_role("search")
    await search.get_by_label("Words").fill(words)
    await _following(page, search.get_by_role("button", name="Search"))


@pytest.mark.slow
@needs_chromium
@needs_apertium
async def test_a_french_search_finds_the_comment_and_its_thread_reads_in_english(
        demo: Demo, browser: Browser) -> None:
    await _story(demo)
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{demo.console}/search?{urlencode({'q': 'projet de jardins'})}")
    await expect(page).to_have_url(re.compile(r"/admin/sign-in\?next="))  # the guard
    await _sign_in(page, demo)

    await expect(page.get_by_role("heading", name="Search the archive")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("Asked in French.")
    # Also as written in the network's two other languages.
    await expect(page.get_by_role("status").locator(".probe")).to_have_count(2)
    await expect(page.get_by_text("1 item found, the best first.")).to_be_visible()
    hit = page.locator(".hit").filter(has_text="Hugo Bernard")
    # The console speaks English: the passage is the English the hub made of the comment.
    await expect(hit.locator(".passage mark")).to_have_text(["project", "gardens"])
    await expect(hit).to_contain_text("Translated from French.")
    await expect(hit).to_contain_text("Comment")
    await expect(hit.get_by_role("link", name="Copy on Slack")).to_have_count(1)

    await _following(page, hit.get_by_role("link", name="Read the thread"))
    await expect(page.get_by_role("heading", name="Thread")).to_be_visible()
    await page.get_by_label("Read in").select_option(AS_WRITTEN)
    await _following(page, page.get_by_role("button", name="Show"))
    comment = page.locator(".thread-item").filter(
        has=page.get_by_role("heading", name="Hugo Bernard"))
    await expect(comment.locator(".text")).to_have_text(
        "Nous pouvons présenter notre projet de jardins.")

    await page.get_by_label("Read in").select_option("en")
    await _following(page, page.get_by_role("button", name="Show"))
    await expect(page).to_have_url(re.compile(r"language=en"))
    post = page.locator(".thread-item").filter(
        has=page.get_by_role("heading", name="Camille Martin"))
    await expect(post.locator(".subject").first).to_have_text("Our meeting to Lisbon")
    await expect(comment.locator(".text")).to_have_text("We can present our project of gardens.")
    await comment.get_by_text("The original, in French").click()
    await expect(comment.locator("details")).to_contain_text("projet de jardins")
    reply_to = comment.get_by_role("link", name="In reply to Camille Martin")
    await expect(reply_to).to_have_attribute("href", f"#{await post.get_attribute('id')}")
    await context.close()


@pytest.mark.slow
@needs_chromium
@needs_apertium
async def test_a_portuguese_search_finds_the_french_post_and_a_platform_narrows(
        demo: Demo, browser: Browser) -> None:
    await _story(demo)
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{demo.console}/search")
    await _sign_in(page, demo)
    await _searching(page, "encontro em Lisboa")
    await expect(page.get_by_role("status")).to_contain_text("Asked in Portuguese.")
    post = page.locator(".hit").filter(has_text="Camille Martin")
    await expect(post.get_by_role("heading")).to_have_text("Our meeting to Lisbon")
    await expect(post.locator(".passage mark").first).to_be_visible()

    # "présenter": Camille's and Hugo's French on Basecamp, James's English on Slack.
    await _searching(page, "présenter")
    await expect(page.locator(".hit")).to_have_count(3)
    search = page.get_by_role("search")
    await search.get_by_text("Narrow the search").click()
    await search.get_by_label("Platform").select_option("slack")
    await _following(page, search.get_by_role("button", name="Search"))
    await expect(page.locator(".hit")).to_have_count(1)
    await expect(page.locator(".hit")).to_contain_text("James Okoro")

    await _searching(page, "projet de jardins")
    await expect(page.get_by_text("Nothing in the archive matches these words.")).to_be_visible()
    await _following(page, page.get_by_role("link", name="Search again without the filters."))
    await expect(page.locator(".hit")).to_have_count(1)
    await expect(page.locator(".hit")).to_contain_text("Hugo Bernard")

    injected = "<script>window.injected = 1</script>"
    await page.goto(f"{demo.console}/search?{urlencode({'q': injected})}")
    await expect(page.get_by_role("search").get_by_label("Words")).to_have_value(injected)
    assert await page.evaluate("window.injected") is None
    await context.close()


async def test_the_pages_answer_what_they_cannot_search(demo: Demo) -> None:
    await _story(demo, [french_post])
    (post, comment) = await demo.hub.store.run(
        demo.hub.store.archive_select, Filters(platforms=frozenset({"basecamp"})), 10, 0)
    async with httpx.AsyncClient() as client:
        anonymous = await client.get(f"{demo.console}/search", params={"q": "jardins"})
        assert anonymous.status_code == 303
        assert "/admin/sign-in?next=" in anonymous.headers["location"]

        await signed_in(client, demo.console, demo.token)
        empty = await client.get(f"{demo.console}/search")
        assert empty.status_code == 200 and 'role="search"' in empty.text
        assert 'class="asked"' not in empty.text and 'class="empty"' not in empty.text

        bad = await client.get(f"{demo.console}/search",
                               params={"q": "jardins", "since": "2026-02-30"})
        assert bad.status_code == 200
        assert "“2026-02-30” is not a date for “From”" in bad.text
        assert 'class="asked"' not in bad.text  # no search ran

        script = await client.get(f"{demo.console}/search",
                                  params={"q": "<script>alert(1)</script>"})
        assert "<script>alert" not in script.text and "&lt;script&gt;alert" in script.text

        # The comment's own address leads to its thread, at the comment.
        reply = await client.get(
            f"{demo.console}/threads/{comment[1].connection}/{comment[1].native_id}")
        assert reply.status_code == 303
        assert reply.headers["location"] == (f"/admin/threads/{post[1].connection}/"
                                             f"{post[1].native_id}#{anchor(comment[1].key)}")
        missing = await client.get(f"{demo.console}/threads/{BASECAMP}/0")
        assert missing.status_code == 404 and "The archive holds no item" in missing.text

        assert "The archive is switched off" not in empty.text
        demo.hub.indexer = None  # as a hub whose settings switch the archive off
        switched_off = await client.get(f"{demo.console}/search")
        assert "The archive is switched off" in switched_off.text
