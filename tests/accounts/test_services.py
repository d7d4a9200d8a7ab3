"""People and structure: creating users, organizations, teams and memberships."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from frontline import settings as production_settings
from frontline.accounts.models import Role, Team, Tier, User
from frontline.accounts.selectors import organization_for_email, users_visible_to
from frontline.accounts.services import (
    organization_create,
    requester_for_email,
    team_create,
    team_membership_set,
    user_create,
    user_update,
)
from frontline.core.errors import Conflict, PermissionDenied, ValidationError
from tests.conftest import World
from tests.factories import PASSWORD


def test_production_hashes_passwords_with_argon2() -> None:
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_user_create_stores_a_normalised_email_and_a_hashed_password(world: World) -> None:
    user = user_create(
        actor=world.admin, email="  Nina.New@Acme.TEST ", full_name="Nina New", password=PASSWORD
    )
    assert user.email == "nina.new@acme.test"
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("typed", ["nina@acme.test", "NINA@ACME.TEST", " Nina@Acme.test "])
def test_login_by_email_is_case_insensitive(world: World, typed: str) -> None:
    user = user_create(actor=world.admin, email="Nina@acme.test", password=PASSWORD)
    assert authenticate(None, username=typed, password=PASSWORD) == user
    assert authenticate(None, username=typed, password="wrong-" + PASSWORD) is None


def test_disabled_users_cannot_log_in(world: World) -> None:
    user = user_create(actor=world.admin, email="nina@acme.test", password=PASSWORD)
    user_update(actor=world.admin, user=user, is_active=False)
    assert authenticate(None, username="nina@acme.test", password=PASSWORD) is None


def test_user_without_password_cannot_log_in(world: World) -> None:
    user = user_create(actor=world.admin, email="nopass@acme.test")
    assert not user.has_usable_password()
    assert authenticate(None, username="nopass@acme.test", password="") is None


def test_requester_joins_the_organization_of_their_email_domain(world: World) -> None:
    user = user_create(actor=world.admin, email="carla@ACME.test")
    assert list(user.organizations.all()) == [world.acme]
    loner = user_create(actor=world.admin, email="lone@freemail.test")
    assert not loner.organizations.exists()


def test_desk_users_do_not_join_customer_organizations_by_domain(world: World) -> None:
    agent = user_create(actor=world.admin, email="helper@acme.test", role=Role.AGENT)
    assert not agent.organizations.exists()


def test_explicit_organizations_win_over_the_domain(world: World) -> None:
    user = user_create(actor=world.admin, email="dual@acme.test", organizations=[world.globex])
    assert list(user.organizations.all()) == [world.globex]


@pytest.mark.parametrize("email", ["alice@acme.test", "ALICE@acme.test", " Alice@Acme.Test"])
def test_duplicate_email_is_a_conflict(world: World, email: str) -> None:
    before = User.objects.count()
    with pytest.raises(Conflict) as info:
        user_create(actor=world.admin, email=email)
    assert "email" in info.value.errors
    assert User.objects.count() == before


@pytest.mark.parametrize("actor", ["agent", "manager", "coordinator", "alice"])
def test_only_admins_create_users(world: World, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        user_create(actor=getattr(world, actor), email="sneaky@acme.test")
    assert not User.objects.filter(email="sneaky@acme.test").exists()


def test_system_actions_may_create_users(world: World) -> None:
    assert (
        user_create(actor=None, email="from-mail@globex.test").organizations.get() == world.globex
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "x@acme.test", "role": "overlord"}, "role"),
        ({"email": "x@acme.test", "password": "123"}, "password"),
        ({"email": "x@acme.test", "password": "password123"}, "password"),
    ],
)
def test_bad_user_input_is_a_field_error(world: World, values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        user_create(actor=world.admin, **values)
    assert field in info.value.errors


def test_requester_for_email_reuses_or_creates(world: World) -> None:
    assert requester_for_email("ALICE@acme.test") == world.alice
    new = requester_for_email("Newbie@Globex.test", full_name="New Bie")
    assert (new.email, new.full_name, new.role) == ("newbie@globex.test", "New Bie", "requester")
    assert list(new.organizations.all()) == [world.globex]


def test_users_may_edit_their_own_profile_but_not_their_role(world: World) -> None:
    user_update(actor=world.alice, user=world.alice, full_name="Alice A.", phone="+1 555")
    world.alice.refresh_from_db()
    assert (world.alice.full_name, world.alice.phone) == ("Alice A.", "+1 555")
    with pytest.raises(PermissionDenied):
        user_update(actor=world.alice, user=world.alice, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        user_update(actor=world.alice, user=world.bob, full_name="Hacked")
    world.alice.refresh_from_db()
    assert world.alice.role == Role.REQUESTER


def test_admin_cannot_disable_themselves(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        user_update(actor=world.admin, user=world.admin, is_active=False)
    assert "is_active" in info.value.errors


def test_unknown_profile_field_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        user_update(actor=world.admin, user=world.alice, is_superuser=True)
    assert "is_superuser" in info.value.errors


def test_organization_create_with_domains(world: World) -> None:
    org = organization_create(actor=world.admin, name=" Initech ", domains=["@Initech.TEST", " "])
    assert org.name == "Initech"
    assert list(org.domains.values_list("domain", flat=True)) == ["initech.test"]
    assert organization_for_email("peter@initech.test") == org


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"name": "Acme"}, Conflict),
        ({"name": "New", "domains": ["acme.test"]}, Conflict),
        ({"name": "  "}, ValidationError),
        ({"name": "New", "domains": ["localhost"]}, ValidationError),
    ],
)
def test_organization_create_refuses_taken_or_bad_input(
    world: World, values: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        organization_create(actor=world.admin, **values)  # type: ignore[arg-type]
    assert not organization_for_email("x@localhost")


def test_only_one_team_is_the_default(world: World) -> None:
    facilities = team_create(actor=world.admin, name="Facilities", is_default=True)
    assert list(Team.objects.filter(is_default=True)) == [facilities]
    with pytest.raises(Conflict):
        team_create(actor=world.admin, name="IT")
    with pytest.raises(PermissionDenied):
        team_create(actor=world.agent, name="Shadow IT")


def test_memberships_are_for_desk_users_at_a_known_tier(world: World) -> None:
    membership = team_membership_set(actor=world.admin, team=world.hr, user=world.agent, tier="l3")
    assert membership.tier == Tier.L3
    again = team_membership_set(actor=world.admin, team=world.hr, user=world.agent, tier="l2")
    assert again.pk == membership.pk
    assert again.tier == Tier.L2
    with pytest.raises(ValidationError) as info:
        team_membership_set(actor=world.admin, team=world.hr, user=world.alice)
    assert "user" in info.value.errors
    with pytest.raises(ValidationError) as info:
        team_membership_set(actor=world.admin, team=world.hr, user=world.agent, tier="l7")
    assert "tier" in info.value.errors


def test_requesters_see_only_themselves_in_the_directory(world: World) -> None:
    assert list(users_visible_to(world.alice)) == [world.alice]
    assert users_visible_to(world.agent).count() == User.objects.count()
