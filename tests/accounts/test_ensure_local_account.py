from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User


@pytest.mark.django_db
def test_generated_password_printed_once_and_works() -> None:
    out = StringIO()
    call_command("ensure_local_account", stdout=out)
    password = next(line.split(": ", 1)[1] for line in out.getvalue().splitlines() if "password:" in line)
    user = User.objects.get(username="researcher")
    assert user.is_superuser and user.check_password(password)
    again = StringIO()
    call_command("ensure_local_account", stdout=again)
    assert password not in again.getvalue() and "exists" in again.getvalue()


@pytest.mark.django_db
def test_passwords_differ_between_machines() -> None:
    outs = []
    for _ in range(2):
        User.objects.filter(username="researcher").delete()
        out = StringIO()
        call_command("ensure_local_account", stdout=out)
        outs.append(out.getvalue())
    assert outs[0] != outs[1]
