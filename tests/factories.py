"""Factories for tests. Build through the services where behaviour matters; these make rows."""

from __future__ import annotations

import factory

from frontline.accounts.models import (
    Organization,
    OrganizationDomain,
    Role,
    Team,
    TeamMembership,
    Tier,
    User,
)
from frontline.tickets.models import Category, CustomField

PASSWORD = "a-Long-test-passw0rd"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Org {n}")

    @factory.post_generation
    def domains(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for domain in extracted or []:
            OrganizationDomain.objects.create(organization=self, domain=domain)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.REQUESTER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def orgs(self, create: bool, extracted: list[Organization] | None, **kwargs: object) -> None:
        if extracted:
            self.organizations.set(extracted)
        self.save()


class AgentFactory(UserFactory):
    role = Role.AGENT
    email = factory.Sequence(lambda n: f"agent{n}@desk.test")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def serves(self, create: bool, extracted: list[Organization] | None, **kwargs: object) -> None:
        if extracted:
            self.organizations.set(extracted)


def member(user: User, team: Team, tier: str = Tier.L1) -> User:
    TeamMembership.objects.update_or_create(user=user, team=team, defaults={"tier": tier})
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class CustomFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomField

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    field_type = "text"
