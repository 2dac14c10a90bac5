"""One person per member: identities matched by address, the file and the admins' mends."""

from __future__ import annotations

from hub.people.declared import DeclaredPerson
from hub.people.matching import Mend, match
from hub.people.model import Identity

SLACK_HUGO = Identity("net-slack", "slack", "U0HUGO", "hugo", email="Hugo@Lyon.example",
                      timezone="Europe/Paris")
BASECAMP_HUGO = Identity("net-basecamp", "basecamp", "42", "Hugo Bernard",
                         email="hugo@lyon.example", role="Mobility officer")
WHATSAPP_HUGO = Identity("members-wa", "whatsapp", "33612345678", "Hugo",
                         phone="33612345678")
ANA = Identity("members-wa", "whatsapp", "351912345678", "Ana", phone="351912345678")
CAMILLE = Identity("net-basecamp", "basecamp", "7", "Camille Martin", email="camille@x.example")


def people_of(directory: object) -> list[list[str]]:
    return sorted(sorted(i.text for i in p.identities)
                  for p in directory.people)  # type: ignore[attr-defined]


def test_identities_sharing_a_verified_address_are_one_person() -> None:
    directory = match([SLACK_HUGO, BASECAMP_HUGO, WHATSAPP_HUGO, ANA, CAMILLE], {})
    assert people_of(directory) == [
        ["members-wa:33612345678"], ["members-wa:351912345678"], ["net-basecamp:42",
                                                                  "net-slack:U0HUGO"],
        ["net-basecamp:7"]]
    hugo = directory.of_identity("net-slack", "U0HUGO")
    assert hugo is not None and hugo is directory.of_identity("net-basecamp", "42")
    # The full name a platform knows wins over a handle; the profiles fill what they know.
    assert hugo.name == "Hugo Bernard"
    assert (hugo.role, hugo.timezone) == ("Mobility officer", "Europe/Paris")
    assert hugo.emails == ("hugo@lyon.example",) and not hugo.declared


def test_the_file_claims_a_phone_number_and_gives_the_name_city_and_tags() -> None:
    declared = {"hugo": DeclaredPerson(name="Hugo B.", city="Lyon",
                                       emails=["hugo@lyon.example"],
                                       phones=["+33 6 12 34 56 78"], tags=["Mobilité"])}
    directory = match([SLACK_HUGO, BASECAMP_HUGO, WHATSAPP_HUGO, ANA], declared)
    hugo = directory.get("hugo")
    assert hugo is not None and hugo.declared
    assert sorted(i.text for i in hugo.identities) == [
        "members-wa:33612345678", "net-basecamp:42", "net-slack:U0HUGO"]
    assert (hugo.name, hugo.city, hugo.signature) == ("Hugo B.", "Lyon", "Hugo B., Lyon")
    assert hugo.tags == frozenset({"mobilite"})
    assert hugo.platforms == ["basecamp", "slack", "whatsapp"]


def test_the_file_claims_an_identity_no_address_tells() -> None:
    declared = {"ana": DeclaredPerson(name="Ana Souza", identities=["net-basecamp:7"])}
    directory = match([ANA, CAMILLE], declared)
    ana = directory.get("ana")
    assert ana is not None and [i.text for i in ana.identities] == ["net-basecamp:7"]


def test_a_declared_person_not_met_yet_is_listed_without_platforms() -> None:
    directory = match([], {"zoe": DeclaredPerson(name="Zoé", emails=["zoe@x.example"])})
    [zoe] = directory.people
    assert (zoe.id, zoe.identities, zoe.emails) == ("zoe", (), ("zoe@x.example",))


def test_ids_are_stable_whatever_order_the_identities_come_in() -> None:
    one = match([SLACK_HUGO, BASECAMP_HUGO, ANA], {})
    other = match([ANA, BASECAMP_HUGO, SLACK_HUGO], {})
    assert [p.id for p in one.people] == [p.id for p in other.people]
    assert all(p.id.startswith("p-") for p in one.people)


def test_an_admin_merges_what_no_address_joins_and_splits_what_one_wrongly_joins() -> None:
    merged = match([ANA, CAMILLE], {}, [Mend("merge", ANA.text, CAMILLE.text)])
    assert people_of(merged) == [["members-wa:351912345678", "net-basecamp:7"]]
    split = match([SLACK_HUGO, BASECAMP_HUGO], {}, [Mend("split", SLACK_HUGO.text)])
    assert people_of(split) == [["net-basecamp:42"], ["net-slack:U0HUGO"]]
    # A split identity stays apart from what its address or the file says...
    declared = {"hugo": DeclaredPerson(name="Hugo", identities=[SLACK_HUGO.text])}
    assert people_of(match([SLACK_HUGO, BASECAMP_HUGO], declared,
                           [Mend("split", SLACK_HUGO.text)])) == [
        [], ["net-basecamp:42"], ["net-slack:U0HUGO"]]
    # ...until merged again; a merge made before the split no longer holds.
    mends = [Mend("merge", ANA.text, CAMILLE.text), Mend("split", ANA.text)]
    assert people_of(match([ANA, CAMILLE], {}, mends)) == [
        ["members-wa:351912345678"], ["net-basecamp:7"]]
    mends.append(Mend("merge", CAMILLE.text, ANA.text))
    assert people_of(match([ANA, CAMILLE], {}, mends)) == [
        ["members-wa:351912345678", "net-basecamp:7"]]


def test_a_mend_naming_an_identity_never_met_changes_nothing() -> None:
    directory = match([ANA], {}, [Mend("merge", ANA.text, "gone:1"), Mend("split", "gone:2")])
    assert people_of(directory) == [["members-wa:351912345678"]]


def test_neither_a_phone_number_nor_an_address_becomes_a_name() -> None:
    nameless = Identity("members-wa", "whatsapp", "351912345678", "351912345678",
                        phone="351912345678")
    [person] = match([nameless], {}).people
    assert "351912345678" not in person.name
    addressed = Identity("zoom", "zoom", "ana@x.example", "ana@x.example",
                         email="ana@x.example")
    named = Identity("slack", "slack", "U0ANA", "Ana Souza", email="ana@x.example")
    assert match([addressed], {}).people[0].name == "Zoom member"
    assert match([addressed, named], {}).people[0].name == "Ana Souza"


def test_an_identity_the_file_claims_counts_before_the_hub_meets_it() -> None:
    declared = {"hugo": DeclaredPerson(name="Hugo Bernard", identities=["net-slack:U0HUGO",
                                                                        "gone:1"])}
    directory = match([], declared, platforms={"net-slack": "slack"})
    hugo = directory.on_platform("slack", "U0HUGO")
    assert hugo is not None and hugo.id == "hugo"
    assert [i.text for i in hugo.identities] == ["net-slack:U0HUGO"]  # "gone" is no connection
