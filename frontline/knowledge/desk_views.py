"""The knowledge base in the desk: the article list, the editor with preview, review and
publishing, versions with diffs and restore, files; and the ticket page's article panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontline.core.errors import DomainError, NotFound
from frontline.desk.access import desk_required, me
from frontline.knowledge import policies, selectors, services
from frontline.knowledge.forms import ArticleForm, FileForm
from frontline.knowledge.models import Article, ArticleStatus, Audience
from frontline.knowledge.rendering import diff_html, render_markdown
from frontline.tickets import selectors as ticket_selectors
from frontline.tickets.models import Ticket
from frontline.tickets.policies import can_work_ticket
from frontline.web.forms import add_domain_error

PAGE_SIZE = 50


def _article(request: HttpRequest, pk: int) -> Article:
    try:
        return selectors.article_for(me(request), pk)
    except NotFound:
        raise Http404("No such article.") from None


def _ticket(request: HttpRequest, number: int) -> Ticket:
    user = me(request)
    try:
        ticket = ticket_selectors.ticket_for(user, number)
    except NotFound:
        raise Http404("No such ticket.") from None
    if not can_work_ticket(user, ticket):
        raise Http404("No such ticket.")
    return ticket


@desk_required
def article_list(request: HttpRequest) -> HttpResponse:
    user = me(request)
    status = request.GET.get("status") or ""
    if status not in ArticleStatus.values:
        status = ""
    mine = request.GET.get("mine") == "1"
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    queryset = selectors.article_list(user, status=status or None, mine=mine)
    rows = list(queryset[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return render(
        request,
        "knowledge/desk/list.html",
        {
            "articles": rows[:PAGE_SIZE],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "status": status,
            "mine": mine,
            "statuses": ArticleStatus.choices,
            "is_manager": policies.is_knowledge_manager(user),
            "section": "kb",
        },
    )


def _save_form(request: HttpRequest, form: ArticleForm, article: Article | None) -> Article:
    data = form.cleaned_data
    fields: dict[str, Any] = {
        "title": data["title"],
        "body": data["body"],
        "category": form.category_object(),
        "tags": data["tags"],
        "audience": data["audience"],
        "organizations": list(data["organizations"]),
        "ticket_categories": list(data["ticket_categories"]),
    }
    if article is None:
        return services.article_create(actor=me(request), **fields)
    return services.article_update(
        actor=me(request),
        article=article,
        version=data.get("version"),
        note=data.get("note") or "",
        **fields,
    )


@desk_required
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"audience": Audience.PUBLIC})
    if request.method == "POST" and form.is_valid():
        try:
            created = _save_form(request, form, None)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("knowledge:desk-article", pk=created.pk)
    return render(
        request,
        "knowledge/desk/edit.html",
        {"form": form, "article": None, "section": "kb"},
        status=422 if form.errors else 200,
    )


@desk_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if not policies.can_edit_article(me(request), article):
        messages.error(request, "You may not edit this article.")
        return redirect("knowledge:desk-article", pk=pk)
    initial = {
        "title": article.title,
        "body": article.body,
        "category": article.category_id,
        "tags": article.tags,
        "audience": article.audience,
        "organizations": list(article.organizations.all()),
        "ticket_categories": list(article.ticket_categories.all()),
        "version": article.version,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _save_form(request, form, article)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "Saved as a new version.")
            return redirect("knowledge:desk-article", pk=pk)
    return render(
        request,
        "knowledge/desk/edit.html",
        {"form": form, "article": article, "section": "kb"},
        status=422 if form.errors and status == 200 else status,
    )


@desk_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """htmx: the editor's Markdown as readers will see it (sanitised)."""
    return HttpResponse(render_markdown((request.POST.get("body") or "")[:100_000]))


@desk_required
def article_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = me(request)
    article = _article(request, pk)
    return render(
        request,
        "knowledge/desk/article.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "can_edit": policies.can_edit_article(user, article),
            "transitions": [
                (s, ArticleStatus(s).label) for s in policies.allowed_transitions(user, article)
            ],
            "versions": selectors.article_versions(user, article)[:10],
            "file_form": FileForm(),
            "stats": {
                "views": article.view_count,
                "helpful": article.helpful_count,
                "unhelpful": article.unhelpful_count,
                "deflections": article.deflections.count(),
                "tickets": article.ticket_links.count(),
                "resolved": article.ticket_links.filter(resolved=True).count(),
            },
            "section": "kb",
        },
    )


@desk_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        updated = services.article_transition(
            actor=me(request), article=article, status=request.POST.get("status") or ""
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"The article is now {updated.get_status_display().lower()}.")
    return redirect("knowledge:desk-article", pk=pk)


@desk_required
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    return render(
        request,
        "knowledge/desk/versions.html",
        {
            "article": article,
            "versions": selectors.article_versions(me(request), article),
            "section": "kb",
        },
    )


@desk_required
def version_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One version, with a diff against the previous one or ``?against=<number>``."""
    user = me(request)
    article = _article(request, pk)
    try:
        shown = selectors.article_version(article, number)
        against_number = int(request.GET.get("against") or number - 1)
        other = selectors.article_version(article, against_number) if against_number else None
    except (NotFound, ValueError):
        raise Http404("No such version.") from None
    old_title, old_body, old_tags = (other.title, other.body, other.tags) if other else ("", "", "")
    label_old = f"version {other.number}" if other else "nothing"
    label_new = f"version {shown.number}"
    return render(
        request,
        "knowledge/desk/version.html",
        {
            "article": article,
            "shown": shown,
            "other": other,
            "all_versions": selectors.article_versions(user, article),
            "title_diff": diff_html(
                old_title, shown.title, old_label=label_old, new_label=label_new
            ),
            "tags_diff": diff_html(old_tags, shown.tags, old_label=label_old, new_label=label_new),
            "body_diff": diff_html(old_body, shown.body, old_label=label_old, new_label=label_new),
            "can_restore": policies.can_edit_article(user, article)
            and shown.number != article.version,
            "section": "kb",
        },
    )


@desk_required
@require_POST
def restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        updated = services.article_restore(actor=me(request), article=article, number=number)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Version {number} restored as version {updated.version}.")
    return redirect("knowledge:desk-article", pk=pk)


@desk_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("knowledge:desk-article", pk=pk)
    upload_file = form.cleaned_data["file"]
    try:
        stored = services.article_file_upload(
            actor=me(request),
            article=article,
            content=upload_file,
            filename=upload_file.name or "file",
            content_type=getattr(upload_file, "content_type", "") or "",
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        url = reverse("knowledge:file", args=[stored.uuid])
        hint = f"![{stored.filename}]({url})" if stored.is_image else f"[{stored.filename}]({url})"
        messages.success(request, f"Uploaded. Put it in the article with: {hint}")
    return redirect("knowledge:desk-article", pk=pk)


# --- The ticket page's article panel ----------------------------------------------------------


@desk_required
def ticket_panel(request: HttpRequest, number: int) -> HttpResponse:
    """htmx partial, loaded after the ticket page: suggested and linked articles."""
    user = me(request)
    ticket = _ticket(request, number)
    links = selectors.ticket_article_links(user, ticket)
    linked_ids = {link.article_id for link in links}
    suggestions = selectors.ticket_suggestions(user, ticket)
    return render(
        request,
        "knowledge/desk/_ticket_panel.html",
        {
            "ticket": ticket,
            "links": links,
            "suggestions": [
                {
                    "s": s,
                    "linked": s.article.pk in linked_ids,
                    "url": request.build_absolute_uri(
                        reverse("knowledge:article", args=[s.article.pk])
                    ),
                    "text": s.article.body,  # Markdown reads well as plain text
                }
                for s in suggestions
            ],
        },
    )


@desk_required
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(request, number)
    htmx = bool(request.headers.get("HX-Request"))
    try:
        article = selectors.article_for(me(request), int(request.POST.get("article") or 0))
        services.article_link_ticket(actor=me(request), article=article, ticket=ticket)
    except (DomainError, ValueError):
        if not htmx:
            messages.error(request, "That article cannot be linked.")
    else:
        if not htmx:
            messages.success(request, f"Linked “{article.title}” to this ticket.")
    if htmx:
        return ticket_panel(request, number)
    return redirect("desk:ticket", number=number)


@desk_required
@require_POST
def ticket_draft(request: HttpRequest, number: int) -> HttpResponse:
    """'Create article from this ticket': a prefilled draft, opened in the editor."""
    ticket = _ticket(request, number)
    try:
        draft = services.article_draft_from_ticket(actor=me(request), ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("desk:ticket", number=number)
    messages.success(request, "Draft created from the ticket: check it, then submit for review.")
    return redirect("knowledge:desk-edit", pk=draft.pk)
