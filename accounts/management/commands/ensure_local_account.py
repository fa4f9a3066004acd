"""Create the local researcher account on first run and print its password once.

There is never a fixed default password: the password is generated, printed
a single time and only its hash is stored. Later runs say the account exists.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User


def local_username() -> str:
    return os.environ.get("THEMATICA_LOCAL_USER", "researcher")


class Command(BaseCommand):
    help = "Create the local administrator account (generated password, printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-username", action="store_true", help="Only print the local username.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = local_username()
        if options["print_username"]:
            self.stdout.write(username)
            return
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Local account '{username}' exists (password shown on first run; "
                f"reset with: python manage.py changepassword {username})."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, password=password, email="", display_name="Local researcher")
        bar = "=" * 64
        self.stdout.write(
            self.style.SUCCESS(
                f"{bar}\nCreated local account\n  username: {username}\n  password: {password}\n"
                f"This password is shown only now. Change it under your name in the top bar.\n{bar}"
            )
        )
