"""The knowledge base for readers (the portal side): home, categories, search, articles,
"Did this help?", live suggestions on the new-request form and "This solved it".

Everything is behind sign-in like the rest of the portal; an article the user may not read
answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontline.accounts.selectors import user_for_token
from frontline.core.errors import DomainError, NotFound
from frontline.desk.access import me
from frontline.knowledge import selectors, services
from frontline.knowledge.forms import FeedbackForm
from frontline.knowledge.models import Article, ArticleStatus
from frontline.knowledge.rendering import render_markdown
from frontline.portal.views import portal_login_required

MIN_SUGGEST_CHARS = 4
RISKY_TYPES = ("text/html", "image/svg", "application/xhtml", "text/xml", "application/xml")


def _readable(request: HttpRequest, pk: int) -> Article:
    """A published article the user may read; 404 otherwise (drafts live in the desk)."""
    try:
        article = selectors.article_for(me(request), pk)
    except NotFound:
        raise Http404("No such article.") from None
    if article.status != ArticleStatus.PUBLISHED:
        raise Http404("No such article.")
    return article


@portal_login_required
def home(request: HttpRequest) -> HttpResponse:
    user = me(request)
    return render(
        request,
        "knowledge/home.html",
        {
            "categories": selectors.kb_categories_for(user),
            "popular": selectors.popular_articles(user),
            "section": "kb",
        },
    )


@portal_login_required
def category(request: HttpRequest, pk: int) -> HttpResponse:
    user = me(request)
    try:
        node = selectors.kb_category(pk)
    except NotFound:
        raise Http404("No such category.") from None
    articles = list(selectors.portal_articles(user, category=node))
    return render(
        request,
        "knowledge/category.html",
        {"category": node, "articles": articles, "section": "kb"},
    )


@portal_login_required
def search(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or "").strip()[:200]
    results = selectors.search_articles(me(request), text, match="all") if text else []
    if text and not results:  # nothing has every word: offer what matches some of them
        results = selectors.search_articles(me(request), text, match="any")
    return render(
        request, "knowledge/search.html", {"q": text, "results": results, "section": "kb"}
    )


@portal_login_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    user = me(request)
    found = _readable(request, pk)
    services.article_record_view(actor=user, article=found)
    return _render_article(request, found)


def _render_article(
    request: HttpRequest, found: Article, form: FeedbackForm | None = None, status: int = 200
) -> HttpResponse:
    vote = selectors.feedback_of(me(request), found)
    return render(
        request,
        "knowledge/article.html",
        {
            "article": found,
            "html": render_markdown(found.body),
            "files": [f for f in found.files.all() if not f.is_image],
            "vote": vote,
            "form": form or FeedbackForm(initial={"comment": vote.comment if vote else ""}),
            "section": "kb",
        },
        status=status,
    )


@portal_login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    found = _readable(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _render_article(request, found, form, status=422)
    try:
        services.article_feedback(
            actor=me(request),
            article=found,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Thank you for your feedback.")
    return redirect("knowledge:article", pk=pk)


@portal_login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx partial for the new-request form: articles that may answer what is being typed."""
    title = (request.GET.get("title") or "").strip()[:250]
    text = f"{title} {(request.GET.get('description') or '')[:1000]}".strip()
    found = (
        selectors.suggest_articles(me(request), text, limit=5)
        if len(text) >= MIN_SUGGEST_CHARS
        else []
    )
    return render(
        request, "knowledge/_suggestions.html", {"suggestions": found, "typed_title": title}
    )


@portal_login_required
@require_POST
def solved(request: HttpRequest, pk: int) -> HttpResponse:
    """'This solved it': no ticket is made; the deflection is counted."""
    found = _readable(request, pk)
    services.deflection_record(
        actor=me(request), article=found, title=request.POST.get("title") or ""
    )
    messages.success(request, f"Glad “{found.title}” helped. No request was sent.")
    return redirect("portal:home")


def file_download(request: HttpRequest, uuid: str) -> FileResponse:
    """An article's file, only to someone who may see the article; 404 for everyone else.

    Raster images are shown inline (they may appear in the article); everything else is a
    download. Always ``nosniff`` and a sandboxing CSP, so an uploaded HTML or SVG file can
    never run in our origin.
    """
    user: object = request.user
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip()) or AnonymousUser()
    try:
        stored = selectors.article_file_for(user, uuid)
    except NotFound:
        raise Http404("No such file.") from None
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not stored.is_image,
        filename=stored.filename,
        content_type="application/octet-stream"
        if stored.content_type.startswith(RISKY_TYPES)
        else stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
