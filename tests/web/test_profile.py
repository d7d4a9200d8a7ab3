from django.test import Client

from tests.conftest import World


def test_a_user_sets_their_own_time_zone_and_times_follow_it(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/profile/", {"full_name": "Alice A.", "phone": "+1 555 0100", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert (world.alice.full_name, world.alice.timezone) == ("Alice A.", "Europe/Berlin")
    page = client.get("/profile/")
    assert b"Europe/Berlin" in page.content


def test_an_unknown_time_zone_is_a_field_error_and_changes_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.agent)
    response = client.post("/profile/", {"full_name": "X", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content
    world.agent.refresh_from_db()
    assert world.agent.full_name == "Ann Agent"


def test_the_profile_needs_a_sign_in() -> None:
    assert Client().get("/profile/").status_code == 302
