from frontline.accounts.models import User
from frontline.accounts.selectors import people_search
from tests.conftest import World


def test_people_search_matches_phone_digits_whatever_the_formatting(world: World) -> None:
    User.objects.filter(pk=world.alice.pk).update(phone="+44 (0) 555-1234")
    assert people_search(world.agent, "5551") == [world.alice]
    assert people_search(world.agent, "555 12") == [world.alice]


def test_people_search_finds_by_name_or_email_and_is_for_the_desk_only(world: World) -> None:
    assert people_search(world.agent, "archer") == [world.alice]
    assert people_search(world.agent, "bob@globex") == [world.bob]
    assert people_search(world.alice, "archer") == []
