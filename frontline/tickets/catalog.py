"""Reading the category catalog: which categories a user may file under, their paths and
their custom field definitions.

Selectors in the sense of DESIGN.md (kept apart from ``selectors.py`` only to avoid editing
it while others do; they may move there).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from frontline.accounts.models import Team, User
from frontline.accounts.policies import is_desk_user
from frontline.core.errors import NotFound
from frontline.tickets.models import Category, CustomField


def categories_visible_to(viewer: User) -> QuerySet[Category]:
    """Desk users see every category; requesters the active ones of teams that serve them
    (unrestricted teams, or teams limited to one of their organizations). Team and custom
    field definitions are loaded with the page, ordered by team name then name."""
    queryset = Category.objects.all()
    if not is_desk_user(viewer):
        through = Team.organizations.through
        restricted = through.objects.values("team_id")
        serving = through.objects.filter(
            organization_id__in=viewer.organizations.values("id")
        ).values("team_id")
        queryset = queryset.filter(
            Q(is_active=True) & (~Q(team_id__in=restricted) | Q(team_id__in=serving))
        )
    return (
        queryset.select_related("team")
        .prefetch_related(
            Prefetch("custom_fields", queryset=CustomField.objects.order_by("position", "id"))
        )
        .order_by("team__name", "name", "id")
    )


def category_for(viewer: User, pk: int) -> Category:
    """One category the viewer may see; NotFound otherwise."""
    category = categories_visible_to(viewer).filter(pk=pk).first()
    if category is None:
        raise NotFound("No such category.")
    return category


def category_paths() -> dict[int, str]:
    """Every category's path ("Hardware › Laptops"), from one query over the whole tree."""
    nodes = {
        pk: (parent, name)
        for pk, parent, name in Category.objects.values_list("id", "parent_id", "name")
    }
    paths: dict[int, str] = {}
    for pk in nodes:
        names: list[str] = []
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in nodes and node not in seen:
            seen.add(node)
            parent, name = nodes[node]
            names.append(name)
            node = parent
        paths[pk] = " › ".join(reversed(names))
    return paths


def category_fields(category: Category) -> list[CustomField]:
    """The custom fields a ticket in this category has: its own and its ancestors'."""
    chain = category.ancestors()
    return list(
        CustomField.objects.filter(category__in=chain)
        .select_related("category")
        .order_by("position", "id")
    )
