from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontline.accounts.models import ApiToken, User, normalize_email
from frontline.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. `token create --user EMAIL` prints a new token."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown only once).")
        create.add_argument("--user", required=True, help="The email of the token's user.")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = sub.add_parser("list", help="List a user's tokens.")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a token by its hint (first characters).")
        revoke.add_argument("hint")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            token = ApiToken.objects.filter(hint=options["hint"], revoked_at__isnull=True).first()
            if token is None:
                raise CommandError("No active token with that hint.")
            token_revoke(actor=None, token=token)
            self.stdout.write(f"Revoked {token.hint}…")
            return
        user = User.objects.filter(email=normalize_email(options["user"])).first()
        if user is None:
            raise CommandError(f"No user with email {options['user']}.")
        if action == "create":
            _, raw = token_create(actor=None, user=user, name=options["name"])
            self.stdout.write(raw)
        else:
            for token in user.api_tokens.all():
                state = "revoked" if token.revoked_at else "active"
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(f"{token.hint}…  {state:8}  last used {used}  {token.name}")
