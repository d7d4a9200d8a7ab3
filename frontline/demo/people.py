"""The demo desk's people and structure, and the loader that creates them.

Everything goes through the services (``organization_create``, ``team_create``,
``user_create``, ``team_membership_set``, ``category_create``; the demo admin is the actor
where one is needed). Each piece is looked up by its natural key first (organization and
team name, email, category path), so loading twice creates nothing twice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Prefetch
from django.utils import timezone

from frontline.accounts.models import Organization, Role, Team, TeamMembership, Tier, User
from frontline.accounts.services import (
    organization_create,
    team_create,
    team_membership_set,
    user_create,
)
from frontline.tickets.models import Category, FieldType
from frontline.tickets.services.categories import category_create

DEMO_PASSWORD = "frontline-demo"  # noqa: S105 - printed for everyone to use, on purpose
ADMIN_EMAIL = "admin@example.com"


@dataclass(frozen=True)
class OrgSpec:
    name: str
    domains: tuple[str, ...]
    shares_tickets: bool = False
    people: tuple[str, ...] = ()  # requesters' full names; emails are first.last@<domain>


ORGANIZATIONS = [
    OrgSpec(
        "Northwind Traders",
        ("northwind.example", "northwind-stores.example"),
        shares_tickets=True,
        people=(
            "Olivia Bennett",
            "Liam O'Connor",
            "Sofia Marino",
            "Noah Schmidt",
            "Emma Dubois",
            "Lucas Janssen",
            "Mia Kowalski",
            "Ethan Brooks",
            "Chloe Martin",
            "Mateo Alvarez",
            "Zoe Clarke",
            "Felix Wagner",
        ),
    ),
    OrgSpec(
        "Contoso Pharma",
        ("contoso.example",),
        people=(
            "Isabella Rossi",
            "James Whitaker",
            "Aisha Rahman",
            "Daniel Kim",
            "Hannah Svensson",
            "Samuel Adeyemi",
            "Laura Fernández",
            "Victor Moreau",
            "Nina Petrova",
            "Oscar Lindqvist",
        ),
    ),
    OrgSpec(
        "Fabrikam Logistics",
        ("fabrikam.example",),
        people=(
            "Ruby Patel",
            "Jonas Meyer",
            "Amelia Novak",
            "Kofi Mensah",
            "Elena Popescu",
            "Tobias Berg",
            "Grace Murphy",
            "Arjun Mehta",
        ),
    ),
]


@dataclass(frozen=True)
class TeamSpec:
    name: str
    email: str
    is_default: bool = False
    serves: tuple[str, ...] = ()  # organization names; empty serves everyone
    lead: str = ""


TEAMS = [
    TeamSpec("IT", "it-support@example.com", is_default=True, lead="grace.liu@example.com"),
    TeamSpec("HR", "hr@example.com", lead="grace.liu@example.com"),
    TeamSpec(
        "Facilities",
        "facilities@example.com",
        serves=("Northwind Traders", "Fabrikam Logistics"),
        lead="carlos.mendes@example.com",
    ),
]


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: str
    teams: dict[str, str] = field(default_factory=dict)  # team name → tier
    note: str = ""


STAFF = [
    StaffSpec(ADMIN_EMAIL, "Avery Morgan", Role.ADMIN, note="sees everything"),
    StaffSpec(
        "grace.liu@example.com",
        "Grace Liu",
        Role.MANAGER,
        {"IT": Tier.L3, "HR": Tier.L3, "Facilities": Tier.L3},
    ),
    StaffSpec(
        "sam.okafor@example.com",
        "Sam Okafor",
        Role.COORDINATOR,
        {"IT": Tier.L1, "HR": Tier.L1, "Facilities": Tier.L1},
        note="triage",
    ),
    StaffSpec("priya.natarajan@example.com", "Priya Natarajan", Role.AGENT, {"IT": Tier.L1}),
    StaffSpec("tom.becker@example.com", "Tom Becker", Role.AGENT, {"IT": Tier.L1}),
    StaffSpec("marco.rossi@example.com", "Marco Rossi", Role.AGENT, {"IT": Tier.L2}),
    StaffSpec("lena.fischer@example.com", "Lena Fischer", Role.KNOWLEDGE_MANAGER, {"IT": Tier.L2}),
    StaffSpec("yuki.tanaka@example.com", "Yuki Tanaka", Role.AGENT, {"IT": Tier.L3}),
    StaffSpec(
        "dana.whitfield@ironclad-it.example",
        "Dana Whitfield",
        Role.AGENT,
        {"IT": Tier.VENDOR},
        note="Ironclad IT Services",
    ),
    StaffSpec("hannah.berg@example.com", "Hannah Berg", Role.AGENT, {"HR": Tier.L1}),
    StaffSpec("omar.haddad@example.com", "Omar Haddad", Role.AGENT, {"HR": Tier.L2}),
    StaffSpec("carlos.mendes@example.com", "Carlos Mendes", Role.AGENT, {"Facilities": Tier.L1}),
    StaffSpec(
        "rui.costa@brightspark.example",
        "Rui Costa",
        Role.AGENT,
        {"Facilities": Tier.VENDOR},
        note="Bright Spark Electrical",
    ),
]

OS_CHOICES = ["Windows 11", "macOS", "Linux", "iOS", "Android"]

# Field definition: (key, label, type, required, choices, help text).
FieldDef = tuple[str, str, str, bool, list[str], str]
LOCATION: FieldDef = ("location", "Building and room", FieldType.TEXT, False, [], "")


@dataclass(frozen=True)
class CategorySpec:
    name: str
    fields: tuple[FieldDef, ...] = ()
    children: tuple[CategorySpec, ...] = ()


def _leaf(name: str, *fields: FieldDef) -> CategorySpec:
    return CategorySpec(name, fields)


CATEGORIES: dict[str, list[CategorySpec]] = {
    "IT": [
        CategorySpec(
            "Hardware",
            (
                ("asset_tag", "Asset tag", FieldType.TEXT, False, [], "The sticker, e.g. LT-04412"),
                ("os", "Operating system", FieldType.CHOICE, False, OS_CHOICES, ""),
            ),
            (
                _leaf("Laptop"),
                _leaf("Printer"),
                _leaf("Monitor & peripherals"),
                _leaf("Mobile phone"),
            ),
        ),
        CategorySpec(
            "Software",
            (("os", "Operating system", FieldType.CHOICE, False, OS_CHOICES, ""),),
            (_leaf("Email & calendar"), _leaf("Office apps"), _leaf("Business applications")),
        ),
        CategorySpec(
            "Accounts & access",
            (),
            (
                _leaf("Password & MFA"),
                _leaf(
                    "New account",
                    ("start_date", "Start date", FieldType.DATE, True, [], "First working day"),
                ),
                _leaf("Shared folders"),
            ),
        ),
        CategorySpec(
            "Network",
            (("affected_users", "People affected", FieldType.NUMBER, False, [], ""),),
            (_leaf("Wi-Fi"), _leaf("VPN"), _leaf("Internet outage")),
        ),
    ],
    "HR": [
        CategorySpec(
            "Payroll", (), (_leaf("Payslip question"), _leaf("Salary change"), _leaf("Expenses"))
        ),
        CategorySpec(
            "Leave",
            (
                ("leave_start", "First day of leave", FieldType.DATE, False, [], ""),
                ("leave_days", "Working days", FieldType.NUMBER, False, [], ""),
            ),
            (_leaf("Vacation"), _leaf("Parental leave"), _leaf("Sick leave")),
        ),
        CategorySpec(
            "Joiners & leavers",
            (),
            (
                _leaf(
                    "New hire",
                    ("start_date", "Start date", FieldType.DATE, True, [], ""),
                    (
                        "department",
                        "Department",
                        FieldType.CHOICE,
                        False,
                        ["Sales", "Operations", "Finance", "Warehouse", "Research"],
                        "",
                    ),
                ),
                _leaf("Leaver"),
            ),
        ),
        CategorySpec("Benefits", (), (_leaf("Pension"), _leaf("Health insurance"))),
    ],
    "Facilities": [
        CategorySpec(
            "Building",
            (LOCATION,),
            (_leaf("Heating & cooling"), _leaf("Lighting & power"), _leaf("Plumbing")),
        ),
        CategorySpec(
            "Workplace",
            (LOCATION,),
            (
                _leaf("Desk & chair"),
                _leaf(
                    "Meeting rooms",
                    (
                        "room",
                        "Meeting room",
                        FieldType.CHOICE,
                        False,
                        ["Atlas", "Borealis", "Cedar", "Delta"],
                        "",
                    ),
                ),
                _leaf("Parking"),
            ),
        ),
        CategorySpec(
            "Cleaning", (LOCATION,), (_leaf("Spills & urgent cleaning"), _leaf("Waste & recycling"))
        ),
        CategorySpec(
            "Security",
            (LOCATION,),
            (
                _leaf(
                    "Badges & keys",
                    ("badge_number", "Badge number", FieldType.TEXT, False, [], ""),
                ),
            ),
        ),
    ],
}


def requester_email(full_name: str, org: OrgSpec) -> str:
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    local = "".join(c for c in ascii_name.lower().replace(" ", ".") if c.isalnum() or c == ".")
    return f"{local}@{org.domains[0]}"


def staff_emails() -> list[str]:
    return [spec.email for spec in STAFF]


def requester_emails() -> list[str]:
    return [requester_email(name, org) for org in ORGANIZATIONS for name in org.people]


def all_emails() -> list[str]:
    return [*staff_emails(), *requester_emails()]


@dataclass
class Desk:
    """The demo structure as loaded, keyed for the ticket stories."""

    orgs: dict[str, Organization]
    teams: dict[str, Team]
    staff: dict[str, User]  # by email
    requesters: list[User]
    categories: dict[tuple[str, str, str], Category]  # (team, root, leaf)
    created: list[str] = field(default_factory=list)  # what this run added, for the summary

    def members(self, team: str, tier: str) -> list[User]:
        return [
            user
            for spec in STAFF
            if spec.teams.get(team) == tier
            for user in [self.staff[spec.email]]
        ]


def _organizations(created: list[str]) -> dict[str, Organization]:
    orgs = {}
    for spec in ORGANIZATIONS:
        org = Organization.objects.filter(name=spec.name).first()
        if org is None:
            org = organization_create(
                actor=None, name=spec.name, domains=spec.domains, shares_tickets=spec.shares_tickets
            )
            created.append(f"organization {spec.name}")
        orgs[spec.name] = org
    return orgs


def _users(orgs: dict[str, Organization], created: list[str]) -> tuple[dict[str, User], list[User]]:
    existing = {u.email: u for u in User.objects.filter(email__in=all_emails())}
    new_ids: list[int] = []

    def ensure(email: str, **kwargs: Any) -> User:
        user = existing.get(email)
        if user is None:
            user = user_create(actor=None, email=email, **kwargs)
            new_ids.append(user.pk)
        return user

    staff = {
        spec.email: ensure(spec.email, full_name=spec.full_name, role=spec.role) for spec in STAFF
    }
    requesters = [
        ensure(
            requester_email(name, org),
            full_name=name,
            phone=f"+31 20 555 {index:04d}",
            organizations=[orgs[org.name]],
        )
        for org in ORGANIZATIONS
        for index, name in enumerate(org.people, start=101)
    ]
    if new_ids:
        # One shared demo password: hash it once rather than once per user (argon2 is slow
        # on purpose), then give it to the accounts this run created.
        # date_joined's default is bound at import, so the demo clock must set it explicitly.
        User.objects.filter(pk__in=new_ids).update(
            password=make_password(DEMO_PASSWORD), date_joined=timezone.now()
        )
        created.append(f"{len(new_ids)} users")
    return staff, requesters


def _teams(
    orgs: dict[str, Organization], staff: dict[str, User], created: list[str]
) -> dict[str, Team]:
    teams = {}
    for spec in TEAMS:
        team = Team.objects.filter(name=spec.name).first()
        if team is None:
            team = team_create(
                actor=None,
                name=spec.name,
                email=spec.email,
                is_default=spec.is_default and not Team.objects.filter(is_default=True).exists(),
                organizations=[orgs[name] for name in spec.serves],
            )
            if spec.lead:  # no service sets a lead yet; it is display data only
                Team.objects.filter(pk=team.pk).update(lead=staff[spec.lead])
            created.append(f"team {spec.name}")
        teams[spec.name] = team
    have = set(
        TeamMembership.objects.filter(user__in=staff.values()).values_list("user_id", "team_id")
    )
    for staff_spec in STAFF:
        for team_name, tier in staff_spec.teams.items():
            user, team = staff[staff_spec.email], teams[team_name]
            if (user.pk, team.pk) not in have:
                team_membership_set(actor=None, team=team, user=user, tier=tier)
    return teams


def _category_tree(
    admin: User,
    team: Team,
    specs: Iterable[CategorySpec],
    parent: Category | None,
    created: list[str],
) -> None:
    for spec in specs:
        node = Category.objects.filter(team=team, parent=parent, name=spec.name).first()
        if node is None:
            node = category_create(
                actor=admin,
                team=team,
                name=spec.name,
                parent=parent,
                custom_fields=[
                    {
                        "key": key,
                        "label": label,
                        "field_type": kind,
                        "required": required,
                        "choices": choices,
                        "help_text": help_text,
                        "position": position,
                    }
                    for position, (key, label, kind, required, choices, help_text) in enumerate(
                        spec.fields
                    )
                ],
            )
            created.append(f"category {team.name} › {spec.name}")
        _category_tree(admin, team, spec.children, node, created)


def load_structure() -> Desk:
    """Create (or find) the organizations, teams, people and category trees of the demo."""
    created: list[str] = []
    orgs = _organizations(created)
    staff, requesters = _users(orgs, created)
    teams = _teams(orgs, staff, created)
    for team_name, tree in CATEGORIES.items():
        _category_tree(staff[ADMIN_EMAIL], teams[team_name], tree, None, created)
    categories = {
        (node.team.name, parent.name, node.name): node
        for node in Category.objects.filter(
            team__in=teams.values(), parent__isnull=False, parent__parent__isnull=True
        ).select_related("team", "parent")
        if (parent := node.parent) is not None
    }
    return Desk(orgs, teams, staff, requesters, categories, created)


def logins_table() -> list[str]:
    """Every demo login that exists, as the lines of a readable table (empty if none)."""
    order = {email: index for index, email in enumerate(all_emails())}
    users = sorted(
        User.objects.filter(email__in=order).prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.select_related("team")),
            "organizations",
        ),
        key=lambda u: order[u.email],
    )
    if not users:
        return []
    notes = {spec.email: spec.note for spec in STAFF}
    rows = [("Email", "Name", "Role", "Teams (tier) / organization")]
    for user in users:
        if user.is_agent_like:
            where = ", ".join(
                f"{m.team.name} ({Tier(m.tier).label})"
                for m in sorted(user.memberships.all(), key=lambda m: m.team.name)
            )
            where = "; ".join(part for part in (where, notes.get(user.email, "")) if part)
        else:
            where = ", ".join(org.name for org in user.organizations.all())
        rows.append((user.email, user.display_name, Role(user.role).label, where or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
    return lines
