"""The record of each connection's activity, and the word it earns, on a clock of our own."""

from __future__ import annotations

import pytest

from hub.activity import (
    DAY,
    Activity,
    AuthFailure,
    ConnectionActivity,
    Health,
    Poll,
    Received,
    Webhook,
    judge,
    lag,
)
from hub.errors import AuthError, PermanentError, StoreError, TransientError

T0 = 1_800_000_000.0
ENDPOINT = "network-zoom/calendar/host"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def activity(clock: Clock) -> Activity:
    return Activity(clock)


def test_a_connection_nothing_happened_to_has_an_empty_record(activity: Activity) -> None:
    assert activity.of("lisbon-slack") == ConnectionActivity()
    assert activity.started_at == T0


def test_the_last_webhook_and_the_last_accepted_one(activity: Activity, clock: Clock) -> None:
    activity.webhook("lisbon-slack", Received.ACCEPTED)
    clock.now += 10
    activity.webhook("lisbon-slack", Received.REJECTED, "bad signature")
    seen = activity.of("lisbon-slack")
    assert seen.webhook == Webhook(T0 + 10, Received.REJECTED, "bad signature")
    assert seen.last_accepted == T0
    assert activity.of("network-zoom").webhook is None  # each connection its own


def test_polls_keep_their_last_success_through_failures(activity: Activity,
                                                        clock: Clock) -> None:
    activity.polled("network-zoom", ENDPOINT)
    clock.now += 30
    activity.polled("network-zoom", ENDPOINT, TransientError("503 from Zoom"))
    clock.now += 30
    activity.polled("network-zoom", ENDPOINT, StoreError("the store failed"))
    poll = activity.of("network-zoom").polls[ENDPOINT]
    assert poll == Poll(T0 + 60, False, "the store failed", last_success=T0)
    assert lag(poll, now=clock.now, started_at=activity.started_at) == 60
    clock.now += 30
    activity.polled("network-zoom", ENDPOINT)
    assert activity.of("network-zoom").polls[ENDPOINT] == Poll(T0 + 90, True, "", T0 + 90)


def test_lag_counts_from_the_start_before_any_poll_worked() -> None:
    assert lag(None, now=T0 + 45, started_at=T0) == 45
    assert lag(Poll(T0 + 5, False, "down"), now=T0 + 45, started_at=T0) == 45


def test_a_call_that_works_proves_access_and_clears_a_refusal(activity: Activity,
                                                              clock: Clock) -> None:
    activity.failed("members-whatsapp", AuthError("token revoked", connection="x"))
    assert activity.of("members-whatsapp").auth_failure == AuthFailure(
        T0, 'connection "x": token revoked')
    assert activity.of("members-whatsapp").proven_at is None
    clock.now += 5
    activity.proven("members-whatsapp")
    seen = activity.of("members-whatsapp")
    assert (seen.proven_at, seen.auth_failure) == (T0 + 5, None)


def test_a_poll_refused_access_is_an_auth_failure_and_one_that_works_proves(
        activity: Activity, clock: Clock) -> None:
    activity.polled("network-zoom", ENDPOINT, AuthError("401: check the credentials"))
    assert activity.of("network-zoom").auth_failure is not None
    clock.now += 1
    activity.polled("network-zoom", ENDPOINT)
    assert activity.of("network-zoom").proven_at == T0 + 1
    assert activity.of("network-zoom").auth_failure is None


def test_waits_are_counted_for_a_day_and_the_running_one_shown(activity: Activity,
                                                              clock: Clock) -> None:
    activity.failed("lisbon-slack", TransientError("429", retry_after=30))
    activity.failed("lisbon-slack", TransientError("503"))  # no wait asked: not counted
    activity.failed("lisbon-slack", PermanentError("400"))
    clock.now += 10
    activity.failed("lisbon-slack", TransientError("429", retry_after=5))
    seen = activity.of("lisbon-slack")
    assert (seen.waits_today, seen.waiting_until) == (2, T0 + 30)  # the longer wait holds
    clock.now = T0 + 30
    assert activity.of("lisbon-slack").waiting_until is None
    clock.now = T0 + DAY + 1
    assert activity.of("lisbon-slack").waits_today == 1
    clock.now = T0 + DAY + 11
    assert activity.of("lisbon-slack").waits_today == 0


# -- the word a connection earns ----------------------------------------------------------


def verdict(seen: ConnectionActivity, *, now: float = T0 + 60, stored: str | None = None,
            dead: int = 0, polled: bool = True) -> tuple[Health, tuple[str, ...]]:
    intervals = {ENDPOINT: 30.0} if polled else {}
    found = judge(seen, now=now, started_at=T0, poll_intervals=intervals,
                  stored_failure=stored, dead=dead)
    return found.health, found.reasons


GOOD_POLL = {ENDPOINT: Poll(T0 + 50, True, "", T0 + 50)}


@pytest.mark.parametrize(("seen", "options", "expected"), [
    (ConnectionActivity(), {}, (Health.HEALTHY, ())),  # just started: nothing due yet
    (ConnectionActivity(polls=GOOD_POLL, proven_at=T0 + 50), {}, (Health.HEALTHY, ())),
    (ConnectionActivity(webhook=Webhook(T0, Received.ACCEPTED)), {"polled": False},
     (Health.HEALTHY, ())),
    (ConnectionActivity(webhook=Webhook(T0, Received.HANDSHAKE)), {"polled": False},
     (Health.HEALTHY, ())),
    (ConnectionActivity(auth_failure=AuthFailure(T0, "revoked")), {},
     (Health.FAILING, ("auth",))),
    # Recorded in the store (by another process, or before a restart), not disproved here.
    (ConnectionActivity(), {"stored": "failing: revoked"}, (Health.FAILING, ("auth",))),
    (ConnectionActivity(proven_at=T0 + 1), {"stored": "failing: revoked"},
     (Health.HEALTHY, ())),
    (ConnectionActivity(polls={ENDPOINT: Poll(T0 + 50, False, "503", T0 + 20)}), {},
     (Health.ATTENTION, ("poll_failed",))),
    (ConnectionActivity(), {"now": T0 + 91}, (Health.ATTENTION, ("poll_late",))),
    (ConnectionActivity(), {"now": T0 + 90}, (Health.HEALTHY, ())),
    (ConnectionActivity(), {"now": T0 + 91, "polled": False}, (Health.HEALTHY, ())),
    (ConnectionActivity(webhook=Webhook(T0, Received.REJECTED, "bad signature")), {},
     (Health.ATTENTION, ("webhook_refused",))),
    (ConnectionActivity(webhook=Webhook(T0, Received.UNAVAILABLE, "store")), {},
     (Health.ATTENTION, ("webhook_refused",))),
    (ConnectionActivity(waits_today=3), {}, (Health.HEALTHY, ())),  # waits over: fine
    (ConnectionActivity(waits_today=1, waiting_until=T0 + 90), {},
     (Health.ATTENTION, ("waiting",))),
    (ConnectionActivity(), {"dead": 2}, (Health.ATTENTION, ("dead",))),
    (ConnectionActivity(auth_failure=AuthFailure(T0, "revoked"),
                        polls={ENDPOINT: Poll(T0 + 50, False, "401", None)}), {"dead": 1},
     (Health.FAILING, ("auth", "poll_failed", "dead"))),
])
def test_each_connection_earns_one_word(seen: ConnectionActivity, options: dict[str, object],
                                        expected: tuple[Health, tuple[str, ...]]) -> None:
    assert verdict(seen, **options) == expected  # type: ignore[arg-type]
