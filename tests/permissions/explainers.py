"""The technique pages and the explainer sandbox: any member reads them and runs the demos (a demo
changes nothing); coders and owners start a demo's heavy computation (a job)."""

from __future__ import annotations

from typing import Any

from assist.models import TechniqueMention
from assist.selectors import pipeline_version
from explainers.sandbox.base import all_demos

from .common import READ, Payload, World, expect, post
from .world import study_transcript

# A technique slug names an entry of the one vocabulary (explainers.techniques), the same in every
# study, not an object of a study: the matrix lists the URL in NOT_CROSS_STUDY (and the sandbox's
# demo keys and task names likewise).
TECHNIQUE = "shap"


def _heavy_demo() -> Any:
    """A demo of the sandbox with a heavy computation: the local one with the fewest options."""
    demos = [d for d in all_demos() if d.heavy]
    return min(demos, key=lambda d: (not d.local, len(d.options), d.key))


def kwargs(team: Any) -> dict[str, Any]:
    # A stored mention, so the technique's page and the reader's panel show one (an excerpt, links).
    transcript = study_transcript(team)
    start = transcript.text.index("papers")
    TechniqueMention.objects.get_or_create(
        study=team.study, transcript=transcript, text_version=transcript.text_version,
        pipeline_version=pipeline_version(), start=start, end=start + 6, technique=TECHNIQUE, text="papers",
    )  # fmt: skip
    demo = _heavy_demo()
    return {"technique_slug": TECHNIQUE, "demo_key": demo.key, "task": demo.heavy[0].name}


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "explainers:technique_list": {"GET": READ},
    "explainers:technique_detail": {"GET": READ},
    "explainers:sandbox": {"GET": READ},
    "explainers:demo": {"GET": READ},
    # Without htmx a GET of a heavy computation goes to its demo's page; a POST starts it (a job).
    "explainers:heavy": {"GET": expect(302, 404, 302, 302, 302), "POST": post(302)},
}


def _heavy_payload(w: World) -> dict[str, Any]:
    demo = _heavy_demo()
    return {"demo_key": demo.key, "dataset": demo.datasets[0], "model": demo.models[0]}


PAYLOADS: dict[str, Payload] = {
    # The job is sent on commit (never inside the test's transaction): only its row appears.
    "explainers:heavy": Payload(_heavy_payload, changes=("studies.Job",)),
}
