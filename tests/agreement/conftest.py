"""A tiny study coded through `coding.services` by alice, bob and carol (and the owner)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import User
from coding.models import Code
from coding.services.codings import apply_coding, remove_coding
from interviews.models import Transcript
from studies.models import Study
from tests.coding.helpers import make_code, make_transcript
from tests.factories import make_membership, make_study, make_user

SECOND = "Interviewer: What about risk?\n\nP1: Regulators ask for reasons, and we give them.\n"


@dataclass
class Tiny:
    study: Study
    alice: User
    bob: User
    carol: User
    first: Transcript
    second: Transcript
    trust: Code
    risk: Code
    unused: Code

    def users(self, *names: str) -> list[User]:
        return [getattr(self, name) for name in names]


@pytest.fixture
def tiny() -> Tiny:
    owner = make_user("owner")
    study = make_study(owner=owner, slug="tiny")
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    for user in (alice, bob, carol):
        make_membership(study, user)
    first, second = make_transcript(study), make_transcript(study, SECOND, name="p2.txt")
    trust, risk, unused = (
        make_code(study, "Trust", order=1),
        make_code(study, "Risk", order=2),
        make_code(study, "Unused", order=3),
    )
    apply_coding(transcript=first, code=trust, start=0, end=10, coder=alice)
    apply_coding(transcript=first, code=trust, start=5, end=15, coder=bob)
    apply_coding(transcript=second, code=risk, start=35, end=45, coder=alice)
    apply_coding(transcript=second, code=risk, start=40, end=60, coder=bob)
    apply_coding(transcript=second, code=risk, start=0, end=4, coder=carol)
    # Bob's retired coding and the owner's coding never count.
    gone, _ = apply_coding(transcript=first, code=risk, start=20, end=30, coder=bob)
    remove_coding(coding=gone, user=bob)
    apply_coding(transcript=first, code=risk, start=20, end=30, coder=owner)
    return Tiny(study, alice, bob, carol, first, second, trust, risk, unused)
