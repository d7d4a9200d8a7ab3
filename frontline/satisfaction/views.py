"""Survey pages: the page a mailed link opens (no sign-in: the token is the credential) and
the rating form on a resolved portal request."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.desk.access import me
from frontline.portal.views import portal_login_required
from frontline.satisfaction import selectors, services
from frontline.satisfaction.forms import SurveyForm, initial_for
from frontline.satisfaction.selectors import SurveyView
from frontline.tickets.selectors import ticket_for
from frontline.web.forms import add_domain_error


def _render(
    request: HttpRequest,
    template: str,
    view: SurveyView,
    form: SurveyForm,
    *,
    status: int = 200,
    **extra: object,
) -> HttpResponse:
    return render(request, template, {"survey": view, "form": form, **extra}, status=status)


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the form (the score picked in the mail preselected); POST records it."""
    try:
        view = selectors.survey_view_for_token(token)
    except NotFound:
        raise Http404("No such survey.") from None
    if view.closed:
        return render(request, "satisfaction/closed.html", {"survey": view})
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=view.questions)
        if form.is_valid():
            try:
                services.survey_respond(
                    actor=None,
                    token=token,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    answers=form.answers(),
                )
            except Conflict:
                return render(request, "satisfaction/closed.html", {"survey": view})
            except ValidationError as exc:
                add_domain_error(form, exc)
                return _render(request, "satisfaction/survey.html", view, form, status=422)
            return redirect(f"{request.path}?thanks=1")
        return _render(request, "satisfaction/survey.html", view, form, status=422)
    initial = initial_for(view.initial, view.questions)
    picked = request.GET.get("rating")
    if picked in {"1", "2", "3", "4", "5"}:
        initial["rating"] = picked
    form = SurveyForm(initial=initial, questions=view.questions)
    return _render(
        request,
        "satisfaction/survey.html",
        view,
        form,
        thanks=request.GET.get("thanks") == "1" and view.response is not None,
    )


@portal_login_required
@require_http_methods(["GET", "POST"])
def portal_rate(request: HttpRequest, number: int) -> HttpResponse:
    """The portal's rating form for a resolved request (its requester only; 404 otherwise)."""
    user = me(request)
    try:
        ticket = ticket_for(user, number)
    except NotFound:
        raise Http404("No such request.") from None
    view = selectors.portal_survey(user, ticket)
    if view is None:
        raise Http404("No survey for this request.")
    if view.closed:
        return render(request, "satisfaction/closed.html", {"survey": view})
    if request.method != "POST":
        form = SurveyForm(
            initial=initial_for(view.initial, view.questions), questions=view.questions
        )
        return _render(request, "satisfaction/portal_rate.html", view, form)
    form = SurveyForm(request.POST, questions=view.questions)
    if form.is_valid():
        try:
            services.survey_respond(
                actor=user,
                ticket=ticket,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                answers=form.answers(),
            )
        except Conflict:
            return render(request, "satisfaction/closed.html", {"survey": view})
        except ValidationError as exc:
            add_domain_error(form, exc)
            return _render(request, "satisfaction/portal_rate.html", view, form, status=422)
        messages.success(request, "Thank you for your rating!")
        return redirect("portal:request", number=ticket.number)
    return _render(request, "satisfaction/portal_rate.html", view, form, status=422)
