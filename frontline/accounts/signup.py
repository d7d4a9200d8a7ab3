"""Self-service sign-up for requesters (services).

Open only to email addresses at a domain of an organization that allows it. The account is
created when the person follows the emailed link, so nobody can claim someone else's address;
asking again for an existing account sends a sign-in reminder instead of revealing it.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction

from frontline.accounts.models import Role, User, normalize_email
from frontline.accounts.selectors import organization_for_email
from frontline.accounts.services import user_create
from frontline.core.errors import Conflict, ValidationError
from frontline.core.mail import queue_email

SIGNUP_SALT = "frontline.signup"


def signup_request(*, email: str, full_name: str, confirm_url: str) -> None:
    """Email a confirmation link (``confirm_url`` has ``TOKEN`` where the token goes).

    Raises ValidationError on ``email`` when the domain is not open for sign-up.
    """
    email = normalize_email(email)
    org = organization_for_email(email)
    if org is None or not org.allow_signup:
        raise ValidationError.field(
            "email",
            "Sign-up is open to the email domains of the organizations we support. "
            "Ask your IT contact for an account.",
        )
    if User.objects.filter(email=email).exists():
        queue_email(
            subject="You already have a Frontline account",
            body=(
                "Someone (hopefully you) asked to sign up with this address, which already has "
                "an account. Sign in, or use “Forgot your password?” on the sign-in page.\n"
            ),
            to=[email],
        )
        return
    token = signing.dumps({"email": email, "name": full_name.strip()[:200]}, salt=SIGNUP_SALT)
    queue_email(
        subject="Confirm your Frontline account",
        body=(
            f"Hello {full_name.strip() or email},\n\n"
            f"Follow this link within two days to choose a password and start:\n"
            f"{confirm_url.replace('TOKEN', token)}\n\n"
            "If you did not ask for this, ignore this message.\n"
        ),
        to=[email],
    )


def signup_complete(*, email: str, full_name: str, password: str) -> User:
    """Create the requester from a confirmed link. A second use of the link is a Conflict."""
    email = normalize_email(email)
    org = organization_for_email(email)
    if org is None or not org.allow_signup:
        raise ValidationError.field("email", "Sign-up is closed for this domain.")
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise Conflict("This account exists already: sign in instead.")
        return user_create(
            actor=None,
            email=email,
            full_name=full_name,
            role=Role.REQUESTER,
            password=password,
            organizations=[org],
        )
