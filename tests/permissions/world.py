"""The studies the permission matrix requests: objects shared by the area factories, and the
second study whose objects the cross-study cases put behind the first study's address."""

from __future__ import annotations

from interviews.models import Transcript
from interviews.services.imports import import_transcript
from studies.models import Role

from ..conftest import Team
from ..factories import make_membership, make_study, make_user

# Two speakers, four turns, sentences to split at: every speaker review action has something to do.
INTERVIEW = (
    "Interviewer: Hello there. How did you start?\n\n"
    "P1: I started in 2019. It was hard.\n\n"
    "Interviewer: What do you do now?\n\n"
    "P1: I read papers all day.\n"
)
TITLE = "Interview P1"


def study_transcript(team: Team) -> Transcript:
    """The study's interview (imported once, with its speakers and turns), whichever area asks first."""
    found = Transcript.objects.filter(study=team.study, title=TITLE).first()
    if found is not None:
        return found
    return import_transcript(
        study=team.study, filename="p1.txt", data=INTERVIEW.encode(), user=team.coder, title=TITLE
    ).transcript


def other_team(team: Team, *, shared_owner: bool) -> Team:
    """Study B, next to `team.study` (A). The owner of A is the owner of B too when `shared_owner`
    (the hardest case: they may do anything in B, just not through A's address); otherwise not a
    member of B at all. Either way, what B's factories make "as the coder" (uploads, exports,
    codings, memos) is made by the owner of A, so that only the study tells them apart."""
    requester = team.owner
    owner = requester if shared_owner else make_user("bea_b_owner")
    viewer = make_user("ben_b_viewer")
    study = make_study("Another study", owner=owner, slug="another")
    make_membership(study, viewer, Role.VIEWER)
    return Team(study=study, owner=owner, coder=requester, viewer=viewer, outsider=team.outsider)
