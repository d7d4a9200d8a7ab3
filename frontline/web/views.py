"""Sign-in, sign-out, sign-up and password reset, shared by the desk and the portal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontline.accounts.policies import is_desk_user
from frontline.accounts.services import user_update
from frontline.accounts.signup import SIGNUP_SALT, signup_complete, signup_request
from frontline.core.errors import DomainError
from frontline.web import ratelimit
from frontline.web.forms import (
    LoginForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SetPasswordSignupForm,
    SignupForm,
    add_domain_error,
)

LOGIN_LIMIT_PER_ACCOUNT = 5
LOGIN_LIMIT_PER_ADDRESS = 30
LOGIN_WINDOW = 15 * 60
BAD_LOGIN = "That email and password do not match an account."


def home_for(user: Any) -> str:
    return reverse("desk:home") if is_desk_user(user) else reverse("portal:home")


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _safe_next(request: HttpRequest, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def login_view(request: HttpRequest) -> HttpResponse:
    """Email + password. The same answer for an unknown email and a wrong password, and a
    limit of 5 failures per account and 30 per address in 15 minutes."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(home_for(request.user))
    form = LoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        address = client_address(request)
        if ratelimit.is_limited(
            "login-account", email, limit=LOGIN_LIMIT_PER_ACCOUNT
        ) or ratelimit.is_limited("login-address", address, limit=LOGIN_LIMIT_PER_ADDRESS):
            form.add_error(None, "Too many failed sign-ins. Wait 15 minutes and try again.")
            status = 429
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                ratelimit.hit("login-account", email, window_seconds=LOGIN_WINDOW)
                ratelimit.hit("login-address", address, window_seconds=LOGIN_WINDOW)
                form.add_error(None, BAD_LOGIN)
                status = 400
            else:
                ratelimit.reset("login-account", email)
                login(request, user)
                target = _safe_next(request, form.cleaned_data.get("next") or "")
                return HttpResponseRedirect(target or home_for(user))
    elif request.method == "POST":
        status = 400
    return render(request, "web/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


SIGNUP_MAX_AGE = 2 * 86400


def signup_view(request: HttpRequest) -> HttpResponse:
    """Requesters of organizations that allow it sign up with their work email; the account
    is made only when they follow the emailed link, so nobody can claim another's address."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if ratelimit.hit("signup", address, window_seconds=3600) > 10:
            form.add_error(None, "Too many sign-ups from here. Try again in an hour.")
        else:
            try:
                signup_request(
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    confirm_url=request.build_absolute_uri(
                        reverse("signup-confirm", args=["TOKEN"])
                    ),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return render(
                    request, "web/signup_sent.html", {"email": form.cleaned_data["email"]}
                )
    return render(request, "web/signup.html", {"form": form}, status=400 if form.errors else 200)


def signup_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
    except signing.BadSignature:
        return render(request, "web/signup_invalid.html", status=400)
    form = SetPasswordSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signup_complete(
                email=data["email"], full_name=data["name"], password=form.cleaned_data["password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(home_for(user))
    return render(request, "web/signup_confirm.html", {"form": form, "email": data["email"]})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's single-use, expiring reset tokens, with a per-address limit on requests."""

    template_name = "registration/password_reset_form.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    from_email = settings.DEFAULT_FROM_EMAIL

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimit.hit("reset", client_address(request), window_seconds=3600) > 10:
            messages.error(request, "Too many reset requests from here. Try again in an hour.")
            return redirect("password_reset")
        return super().post(request, *args, **kwargs)


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


def profile_view(request: HttpRequest) -> HttpResponse:
    """Everyone's own name, phone and time zone."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    initial = {"full_name": user.full_name, "phone": user.phone, "timezone": user.timezone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=user, user=user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    base = "desk/base.html" if is_desk_user(user) else "portal/base.html"
    return render(
        request,
        "web/profile.html",
        {"form": form, "base": base},
        status=422 if form.errors else 200,
    )


def root_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    return redirect("login")
