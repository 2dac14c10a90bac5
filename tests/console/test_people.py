"""The People page: the directory on the demo's network, narrowed by expertise, mended by
merging and splitting; and the one translation table it shares with `passerelle people`."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.console.catalogs import extracted, problems, translated_languages
from hub.demo.runner import ROUNDS
from hub.demo.story import english_thread, french_post, members_join
from hub.demo.world import SLACK
from hub.people.views import COUNT, LABELS, NOBODY, NOBODY_KNOWS
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.signing import csrf_of, signed_in
from tests.console.traffic import BOUND


def test_the_commands_words_are_the_consoles_translated() -> None:
    """`passerelle people` speaks with the console's catalogs: each of its words is a message
    the People page uses, translated in every language."""
    template = extracted()
    wanted = [*LABELS.values(), NOBODY, NOBODY_KNOWS]
    ids = {message.id if isinstance(message.id, str) else message.id[0]
           for message in template}
    assert set(wanted) | {COUNT[0]} <= ids
    assert problems(template, translated_languages()) == []


async def _story(demo: Demo) -> None:
    """Ana and Beatriz join on WhatsApp, Camille and Hugo write on Basecamp, Emma and James on
    Slack: each author met, as the demo meets them."""
    for act in (members_join, french_post, english_thread):
        await act(demo.world)
        for _ in range(ROUNDS):
            await demo.world.quiet()
            assert demo.hub.members is not None
            await demo.hub.members.catch_up()
            await demo.hub.settle(BOUND)


@pytest.mark.slow
@needs_chromium
async def test_the_directory_filters_by_expertise_and_merges_two_into_one(
        demo: Demo, browser: Browser) -> None:
    await _story(demo)
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{demo.console}/people")
    await expect(page).to_have_url(re.compile(r"/admin/sign-in\?next="))  # the guard
    await page.get_by_label("Admin token").fill(demo.token)
    async with page.expect_navigation(wait_until="domcontentloaded"):
        await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    people = page.locator(".person")
    camille = people.filter(has=page.get_by_role("heading", name="Camille Martin"))
    await expect(camille).to_have_count(1)
    # Matched by e-mail address: her Basecamp and Slack accounts are one person.
    await expect(camille.locator(".platform")).to_have_text(["Basecamp", "Slack"])
    await expect(camille).to_contain_text("Lyon")
    await expect(camille.get_by_text("camille@example.org")).to_be_hidden()  # folded away
    everyone = await people.count()

    await page.get_by_label("Expertise").fill("open data")
    async with page.expect_navigation(wait_until="domcontentloaded"):
        await page.get_by_role("button", name="Filter").click()
    await expect(people.get_by_role("heading")).to_have_text(["Emma Wilson", "James Okoro"])
    await expect(page.locator(".count")).to_have_text("2 people")

    async with page.expect_navigation(wait_until="domcontentloaded"):
        await page.get_by_role("link", name="Show everyone").click()
    await expect(people).to_have_count(everyone)
    await page.get_by_label("This person").select_option(label="Emma Wilson (emma)")
    await page.get_by_label("and this one").select_option(label="James Okoro (james)")
    async with page.expect_navigation(wait_until="domcontentloaded"):
        await page.get_by_role("button", name="Merge", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"Merged: {SLACK}:U0EMMA and the other are one person now.")
    await expect(people).to_have_count(everyone - 1)
    emma = people.filter(has=page.get_by_role("heading", name="Emma Wilson"))
    await expect(emma.locator(".place code")).to_have_text([f"{SLACK}:U0EMMA",
                                                            f"{SLACK}:U0JAMES"])
    await expect(people.filter(has=page.get_by_role("heading", name="James Okoro"))
                 ).to_have_count(0)

    async with page.expect_navigation(wait_until="domcontentloaded"):
        await emma.get_by_role("button", name=f"Split {SLACK}:U0JAMES off Emma Wilson").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"Split: {SLACK}:U0JAMES stands alone now.")
    await expect(emma.locator(".place code")).to_have_text([f"{SLACK}:U0EMMA"])
    # The account stands alone, whatever the file says: the file's James is listed apart,
    # without it, until an admin merges them again.
    james = people.filter(has=page.get_by_role("heading", name="James Okoro"))
    await expect(james).to_have_count(2)
    await expect(james.locator(".place code")).to_have_text([f"{SLACK}:U0JAMES"])
    await expect(people).to_have_count(everyone + 1)
    await context.close()


async def test_a_mend_needs_the_session_s_token_and_names_someone(demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        anonymous = await client.post(f"{demo.console}/people/merge",
                                      data={"a": "emma", "b": "james"})
        assert anonymous.status_code == 401
        csrf = await signed_in(client, demo.console, demo.token)
        forged = await client.post(f"{demo.console}/people/merge",
                                   data={"a": "emma", "b": "james", "csrf": "forged"})
        assert forged.status_code == 403
        page = await client.get(f"{demo.console}/people", params={"tag": "#Open Data"})
        assert page.status_code == 200 and csrf_of(page.text) == csrf
        assert "Nobody in the directory knows #Open Data." not in page.text
        nobody = await client.get(f"{demo.console}/people", params={"tag": "waste pickers"})
        assert "Nobody in the directory knows waste pickers." in nobody.text
        same = await client.post(f"{demo.console}/people/merge",
                                 data={"a": "camille", "b": "camille", "csrf": csrf})
        assert same.status_code == 400
        assert ("Choose two different people to merge, each with an account on some "
                "platform.") in same.text
        unknown = await client.post(f"{demo.console}/people/split",
                                    data={"identity": f"{SLACK}:U0NOBODY", "csrf": csrf})
        assert unknown.status_code == 400
        assert "That account is not in the directory" in unknown.text
        french = await client.get(f"{demo.console}/people", params={"lang": "fr"})
        assert "Fusionner deux personnes" in french.text and "Ville" in french.text
