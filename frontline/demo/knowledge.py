"""Demo knowledge base: about fifty real-world IT, HR and Facilities articles, published.

Each article is a Markdown file in ``frontline/demo/content/knowledge/`` with a small header::

    title: Connect to the VPN from home
    category: IT / Network and remote access        (knowledge base category: root / child)
    tags: vpn, remote access
    answers: IT / Network / VPN; ...                (ticket categories: team / root / leaf)
    audience: agents                                (optional; default public)
    ---
    Markdown body

Loading is idempotent: an article whose title exists is left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from frontline.accounts.models import Role, User
from frontline.knowledge.models import Article, ArticleStatus, Audience, KBCategory
from frontline.knowledge.services import article_create, article_transition
from frontline.tickets.models import Category

CONTENT = Path(__file__).resolve().parent / "content" / "knowledge"

ROOTS = {
    "IT": "Computers, accounts, network, email, printing and software.",
    "HR": "Pay, leave, benefits, joining and leaving.",
    "Facilities": "The building, desks, parking, access and cleaning.",
}


@dataclass(frozen=True)
class ArticleSpec:
    slug: str
    title: str
    category: tuple[str, str]
    tags: str
    answers: tuple[tuple[str, str, str], ...]
    body: str
    audience: str = Audience.PUBLIC
    extra: dict[str, str] = field(default_factory=dict)


def parse(path: Path) -> ArticleSpec:
    """Read one article file (header lines, a ``---`` line, then the Markdown body)."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    root, _, child = (part.strip() for part in meta["category"].partition("/"))
    answers = tuple(
        (parts[0], parts[1], parts[2])
        for item in meta.get("answers", "").split(";")
        if len(parts := [p.strip() for p in item.split("/")]) == 3
    )
    return ArticleSpec(
        slug=path.stem,
        title=meta["title"],
        category=(root, child),
        tags=meta.get("tags", ""),
        answers=answers,
        body=body.strip() + "\n",
        audience=meta.get("audience", Audience.PUBLIC),
    )


def article_specs() -> list[ArticleSpec]:
    return [parse(path) for path in sorted(CONTENT.glob("*.md"))]


def _category(root: str, child: str) -> KBCategory:
    parent, _ = KBCategory.objects.get_or_create(
        parent=None, name=root, defaults={"description": ROOTS.get(root, "")}
    )
    node, _ = KBCategory.objects.get_or_create(parent=parent, name=child)
    return node


def _ticket_categories(spec: ArticleSpec) -> list[Category]:
    found = []
    for team, root, leaf in spec.answers:
        node = Category.objects.filter(team__name=team, parent__name=root, name=leaf).first()
        if node is not None:
            found.append(node)
    return found


def _views(title: str) -> int:
    """A stable, plausible view count so 'Popular articles' has an order."""
    return 20 + int(hashlib.sha256(title.encode()).hexdigest()[:4], 16) % 400


def load_knowledge(author: User | None = None, approver: User | None = None) -> list[str]:
    """Create and publish every demo article that is missing; returns what was created."""
    author = author or _staff(Role.KNOWLEDGE_MANAGER)
    approver = approver or author
    if author is None or approver is None:
        return []
    existing = set(Article.objects.values_list("title", flat=True))
    created: list[str] = []
    for spec in article_specs():
        if spec.title in existing:
            continue
        article = article_create(
            actor=author,
            title=spec.title,
            body=spec.body,
            category=_category(*spec.category),
            tags=spec.tags,
            audience=spec.audience,
            ticket_categories=_ticket_categories(spec),
        )
        article_transition(actor=author, article=article, status=ArticleStatus.REVIEW)
        article_transition(actor=approver, article=article, status=ArticleStatus.PUBLISHED)
        Article.objects.filter(pk=article.pk).update(view_count=_views(spec.title))
        created.append(f"article {spec.title}")
    return created


def _staff(role: str) -> User | None:
    return (
        User.objects.filter(role=role, is_active=True).order_by("id").first()
        or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    )
