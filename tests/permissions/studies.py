from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from studies.jobs import create_job, fail_job, finish_job
from studies.models import Invitation, JobKind, Membership

from ..factories import PASSWORD
from .common import MANAGE_FORM, NO_GET, READ, Payload, expect, post


def kwargs(team: Any) -> dict[str, Any]:
    # A finished export started by the coder: everyone may see its page, only the coder its file.
    job = create_job(study=team.study, kind=JobKind.EXPORT_PARTICIPANTS, user=team.coder, params={"format": "csv"})
    finish_job(job, result={"filename": "p.csv", "rows": 0}, result_file=ContentFile(b"id\n", name="p.csv"))
    # A failed import started by the coder, its file kept: it may be sent again by hand. (Not a
    # waiting one: pages that show those send them again, which would make their GETs write.)
    failed = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="p5.txt",
                        input_bytes=b"Interviewer: Hi?\n\nP5: Hello.\n")  # fmt: skip
    fail_job(failed, "The worker stopped.")
    invitation = Invitation.objects.create(study=team.study, created_by=team.owner, role="coder")
    viewer_membership = Membership.objects.get(study=team.study, user=team.viewer)
    return {
        "slug": team.study.slug,
        "job_uuid": job.uuid,
        "failed_job_uuid": failed.uuid,
        "invitation_uuid": invitation.uuid,
        "membership_id": viewer_membership.pk,
        "token": invitation.token,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "home": {"GET": expect(302, 302, 302, 302, 302)},
    "favicon": {"GET": expect(301, 301, 301, 301, 301)},
    "studies:list": {"GET": expect(302, 200, 200, 200, 200)},
    "studies:create": {"GET": expect(302, 200, 200, 200, 200), "POST": expect(302, 302, 302, 302, 302)},
    "studies:dashboard": {"GET": READ},
    "studies:edit": {"GET": MANAGE_FORM, "POST": post(302, min_role="owner")},
    # Creating an account shows its one-time password on the page.
    "studies:members": {"GET": READ, "POST": post(200, min_role="owner")},
    "studies:member_role": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "studies:member_remove": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "studies:invitation_create": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "studies:invitation_revoke": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "studies:job_detail": {"GET": READ},
    # An export holds what its starter may see: the file is theirs alone.
    "studies:job_download": {"GET": expect(302, 404, 404, 200, 404)},
    # The person who started a job (a coder) or an owner.
    "studies:job_retry": {"GET": NO_GET, "POST": post(302)},
    # Signing in (again, for someone signed in) with the right password.
    "accounts:login": {"GET": expect(200, 200, 200, 200, 200), "POST": expect(302, 302, 302, 302, 302)},
    "accounts:logout": {"POST": expect(302, 302, 302, 302, 302)},
    "accounts:password_change": {"GET": expect(302, 200, 200, 200, 200), "POST": expect(302, 302, 302, 302, 302)},
    # Anyone holding the link may use it: signed out, it makes an account; signed in, it joins
    # (a member keeps the higher of the two roles).
    "accounts:accept_invitation": {"GET": expect(200, 200, 200, 200, 200), "POST": expect(302, 302, 302, 302, 302)},
}

NEW_PASSWORD = "a-Fresh-passw0rd-for-2025"

# The retry takes the failed import, not the finished export.
URL_IDS = {"studies:job_retry": {"job_uuid": "failed_job_uuid"}}

PAYLOADS: dict[str, Payload] = {
    "studies:create": Payload(
        lambda w: {
            "title": "A new study",
            "description": "Why",
            "citation": "",
            "doi": "",
            "research_questions": "RQ1",
        },
        changes=("studies.Study", "studies.Membership"),
    ),
    "studies:edit": Payload(
        lambda w: {
            "title": "Renamed study",
            "description": "New",
            "citation": "",
            "doi": "10.1/x",
            "research_questions": "",
        },
        changes=("studies.Study",),
    ),
    "studies:members": Payload(
        lambda w: {"username": "nadia_new", "display_name": "Nadia", "role": "coder", "create_account": "on"},
        changes=("accounts.User", "studies.Membership"),
    ),
    "studies:member_role": Payload(lambda w: {"role": "coder"}, changes=("studies.Membership",)),
    "studies:member_remove": Payload(lambda w: {}, changes=("studies.Membership",)),
    "studies:invitation_create": Payload(
        lambda w: {"role": "viewer", "note": "For Nadia"}, changes=("studies.Invitation",)
    ),
    "studies:invitation_revoke": Payload(lambda w: {}, changes=("studies.Invitation",)),
    "studies:job_retry": Payload(lambda w: {"next": ""}, changes=("studies.Job",)),
    # Signing in and out write the session and `last_login` only (neither is in the snapshot).
    "accounts:login": Payload(lambda w: {"username": w.team.outsider.username, "password": PASSWORD}),
    "accounts:logout": Payload(lambda w: {}),
    "accounts:password_change": Payload(
        lambda w: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        changes=("accounts.User",),
    ),
    "accounts:accept_invitation": Payload(
        lambda w: {
            "username": "ines_invited",
            "display_name": "Ines",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        changes=("studies.Invitation",),
    ),
}
