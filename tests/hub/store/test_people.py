"""The people's store (hub/store/people.py) on SQLite, and PostgreSQL when one is named:
identities as the platforms describe them, the indexer's position moved with them, the
admins' mends, and forgetting."""

from __future__ import annotations

from hub.people.matching import Mend
from hub.people.model import Identity
from hub.store import Store
from tests.hub.store.engines import OnPostgres, OnSQLite

SLACK, WHATSAPP = "lisbon-slack", "members-whatsapp"
EMMA = Identity(SLACK, "slack", "U0EMMA", "Emma Wilson", email="emma@example.org",
                city="London", role="organiser", timezone="Europe/London")
ANA = Identity(WHATSAPP, "whatsapp", "351912345678", "Ana", phone="351912345678")
JAMES = Identity(SLACK, "slack", "U0JAMES", "James Okoro")


class PeopleContract:
    def test_what_the_platforms_say_is_kept_profile_and_all(self, store: Store) -> None:
        assert store.people_identities() == []
        assert store.people_meet([EMMA, ANA]) == 2
        assert store.people_meet([EMMA, ANA]) == 0  # met again as they were: nothing written
        assert store.people_identities() == [EMMA, ANA]  # by connection, then native id

    def test_a_later_word_replaces_an_earlier_but_a_blank_erases_nothing(
            self, store: Store) -> None:
        store.people_meet([EMMA])
        store.people_meet([Identity(SLACK, "slack", "U0EMMA", "Emma W.", city="Leeds")])
        [kept] = store.people_identities()
        assert (kept.name, kept.city, kept.email, kept.role, kept.timezone) == (
            "Emma W.", "Leeds", "emma@example.org", "organiser", "Europe/London")

    def test_a_stand_in_name_never_replaces_a_real_one(self, store: Store) -> None:
        store.people_meet([EMMA])
        store.people_meet([Identity(SLACK, "slack", "U0EMMA", "emma@example.org")])
        store.people_meet([ANA])
        store.people_meet([Identity(WHATSAPP, "whatsapp", ANA.native_id, "+351 912 345 678")])
        assert [i.name for i in store.people_identities()] == ["Emma Wilson", "Ana"]

    def test_one_identity_twice_in_a_batch_is_merged_the_latest_last(
            self, store: Store) -> None:
        store.people_meet([JAMES, Identity(SLACK, "slack", "U0JAMES", "",
                                           email="james@example.org"),
                           Identity(SLACK, "slack", "U0JAMES", "James O.")])
        assert store.people_identities() == [
            Identity(SLACK, "slack", "U0JAMES", "James O.", email="james@example.org")]

    def test_the_indexer_moves_with_what_it_met_or_not_at_all(self, store: Store) -> None:
        assert store.people_meet([EMMA], 0, 5) == 1
        assert store.position("people") == 5
        # Another process moved it first: nothing of this batch is written.
        assert store.people_meet([ANA], 0, 7) is None
        assert store.people_identities() == [EMMA] and store.position("people") == 5
        assert store.people_meet([], 5, 9) == 0 and store.position("people") == 9

    def test_mends_are_kept_in_the_order_made(self, store: Store) -> None:
        made = [Mend("merge", f"{SLACK}:U0EMMA", f"{WHATSAPP}:351912345678"),
                Mend("split", f"{SLACK}:U0EMMA"), Mend("merge", f"{SLACK}:U0JAMES",
                                                       f"{SLACK}:U0EMMA")]
        for mend in made:
            store.people_mend(mend)
        assert store.people_mends() == made

    def test_forgetting_erases_the_identities_and_every_mend_naming_them(
            self, store: Store) -> None:
        store.people_meet([EMMA, ANA, JAMES])
        store.people_mend(Mend("merge", f"{SLACK}:U0EMMA", f"{WHATSAPP}:351912345678"))
        store.people_mend(Mend("split", f"{SLACK}:U0JAMES"))
        store.people_mend(Mend("merge", f"{WHATSAPP}:351912345678", f"{SLACK}:U0EMMA"))
        assert store.people_forget([EMMA.key, EMMA.key, ("nowhere", "x")]) == 1
        assert store.people_identities() == [JAMES, ANA]
        assert store.people_mends() == [Mend("split", f"{SLACK}:U0JAMES")]
        assert store.people_forget([]) == 0


class TestPeopleOnSQLite(PeopleContract, OnSQLite):
    pass


class TestPeopleOnPostgres(PeopleContract, OnPostgres):
    pass
