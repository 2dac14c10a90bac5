"""Dead letters in a real browser: listed with their reason, replayed, dropped, many at once."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from hub.demo.world import CHANNEL, CIRCLE, SLACK, WHATSAPP
from hub.scheduler import driving
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.traffic import channel_not_found, dead_letters, until

pytestmark = needs_chromium
POST_MESSAGE = "/api/chat.postMessage"


async def sign_in(page: Page, demo: Demo) -> None:
    await page.goto(f"{demo.console}/dead-letters")
    await page.get_by_label("Admin token").fill(demo.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Dead letters", exact=True)).to_be_visible()


async def camille_posts(demo: Demo, subject: str) -> None:
    world = demo.world
    await world.basecamp.post_message(world.project, world.people.camille, subject,
                                      f"<div>{subject}</div>")


def slack_says(demo: Demo, marker: str) -> bool:
    return any(marker in str(m.get("text", "")) for m in demo.world.slack.messages(CHANNEL))


@pytest.mark.slow
async def test_a_dead_letter_is_listed_replayed_and_delivered(demo: Demo,
                                                              browser: Browser) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    async with driving(demo.hub):
        await sign_in(page, demo)
        await expect(page.get_by_text("There are no dead letters")).to_be_visible()

        demo.world.slack.faults.inject(POST_MESSAGE, channel_not_found())
        await camille_posts(demo, "Réunion QX17")
        # Slack refuses it; the WhatsApp circle, which nobody has joined yet, too.
        await until(lambda: _count_is(demo, 2))
        await page.reload(wait_until="domcontentloaded")
        row = page.get_by_role("row").filter(has_text="QX17").filter(has_text=SLACK)
        await expect(row).to_contain_text("The platform refused it for good.")
        await expect(row).to_contain_text("channel_not_found")
        assert not slack_says(demo, "QX17")

        # Keyboard only: space ticks the box, Enter presses the buttons.
        await row.get_by_role("checkbox").focus()
        await page.keyboard.press("Space")
        await expect(row.get_by_role("checkbox")).to_be_checked()
        await page.get_by_role("button", name="Replay…").focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_text("Replay 1 dead letter: it is delivered again.")
                     ).to_be_visible()
        await page.get_by_role("button", name="Replay 1 dead letter").focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("status")).to_have_text(
            "1 dead letter was sent again: the hub is delivering it now.")
        await until(lambda: _slack_has(demo, "QX17"))
        await page.reload(wait_until="domcontentloaded")
        await expect(page.get_by_role("row").filter(has_text=SLACK)).to_have_count(0)
        assert [letter.target for letter in await dead_letters(demo.hub)] == [
            f"{WHATSAPP}/circle/{CIRCLE}"]
    await context.close()


@pytest.mark.slow
async def test_many_dead_letters_are_dropped_at_once(demo: Demo, browser: Browser) -> None:
    context = await new_context(browser, width=390, height=844)  # a phone
    page = await context.new_page()
    async with driving(demo.hub):
        await sign_in(page, demo)
        demo.world.slack.faults.inject(POST_MESSAGE, channel_not_found(), channel_not_found())
        await camille_posts(demo, "Ordre du jour KW81")
        await camille_posts(demo, "Compte rendu KW82")
        await until(lambda: _count_is(demo, 4))  # on Slack and in the empty WhatsApp circle
        await page.reload(wait_until="domcontentloaded")

        await page.get_by_label("Select all 4 dead letters listed").check()
        for box in await page.get_by_role("checkbox", name="Select the dead letter").all():
            await expect(box).to_be_checked()
        await page.get_by_role("button", name="Drop…").click()
        await expect(page.get_by_text(
            "Drop 4 dead letters for good: they will not be delivered.")).to_be_visible()
        await expect(page.get_by_role("row").filter(has_text="KW8")).to_have_count(4)
        await page.get_by_role("button", name="Drop 4 dead letters").click()
        await expect(page.get_by_role("status")).to_have_text(
            "4 dead letters were dropped for good.")
        await expect(page.get_by_text("There are no dead letters")).to_be_visible()
        assert await dead_letters(demo.hub) == []
        assert not slack_says(demo, "KW81") and not slack_says(demo, "KW82")
    await context.close()


@pytest.mark.slow
async def test_nothing_chosen_is_said_and_nothing_is_done(demo: Demo, browser: Browser) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    async with driving(demo.hub):
        await sign_in(page, demo)
        demo.world.slack.faults.inject(POST_MESSAGE, channel_not_found())
        await camille_posts(demo, "Note ZP55")
        await until(lambda: _count_is(demo, 2))
        await page.reload(wait_until="domcontentloaded")
        await page.get_by_role("button", name="Drop…").click()
        await expect(page.get_by_role("alert")).to_have_text(
            "Choose at least one dead letter first.")
        assert len(await dead_letters(demo.hub)) == 2
    await context.close()


async def _count_is(demo: Demo, count: int) -> bool:
    return len(await dead_letters(demo.hub)) == count


async def _slack_has(demo: Demo, marker: str) -> bool:
    return slack_says(demo, marker)
