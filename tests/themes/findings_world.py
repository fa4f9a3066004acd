"""A small hand-made study for the findings tests: five participants, three documents, two codes.

    participant  organisation type   document
    R1           Startup             "R1 interview" (linked to R1 only; speakers not mapped)
    R2           Startup             "Group" (linked to R2 and R3; the speaker "P1" is R3)
    R3           Public              "Group"
    R10          Startup             "R10 interview" (linked to R10)
    R5           —                   (no document)

So an excerpt in R1's interview is R1's, one in P1's turn of the group interview is R3's (not R2's:
the speaker decides over the document's links), and the denominators are 5 participants, 3
startups and 1 public organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from coding.models import Code, Coding
from coding.services.codings import apply_coding
from interviews.models import Attribute, AttributeType, AttributeValue, Participant, Speaker, Transcript
from interviews.services.imports import import_transcript
from studies.models import Study
from themes.models import Finding, Theme
from themes.services.findings import create_finding

TEXT = (
    "Interviewer: Do you trust SHAP?\n\n"
    "P1: Mostly. We plot SHAP values for every model and LIME when asked.\n\n"
    "Interviewer: Why?\n\n"
    "P1: Because users can act on them.\n"
)  # each document ends with its own line, so that the import sees three different files


def words(transcript: Transcript, text: str) -> tuple[int, int]:
    start = transcript.text.index(text)
    return start, start + len(text)


@dataclass
class World:
    study: Study
    participants: dict[str, Participant]
    r1: Transcript
    group: Transcript
    r10: Transcript
    trust: Code
    action: Code
    theme: Theme
    finding: Finding


def build(study: Study, user: object) -> World:
    kind = Attribute.objects.create(
        study=study, name="Organisation type", type=AttributeType.CATEGORY, choices=["Startup", "Public"]
    )
    people = {}
    for label, value in (("R1", "Startup"), ("R2", "Startup"), ("R3", "Public"), ("R10", "Startup"), ("R5", "")):
        people[label] = Participant.objects.create(study=study, label=label)
        if value:
            AttributeValue.objects.create(participant=people[label], attribute=kind, value_text=value)
    docs = {}
    for title in ("R1 interview", "Group", "R10 interview"):
        docs[title] = import_transcript(
            study=study,
            filename=f"{title}.txt",
            data=(TEXT + f"\n{title}: the end.\n").encode(),
            user=None,
            title=title,
        ).transcript
    docs["R1 interview"].participants.add(people["R1"])
    docs["Group"].participants.add(people["R2"], people["R3"])
    docs["R10 interview"].participants.add(people["R10"])
    Speaker.objects.filter(transcript=docs["Group"], label="P1").update(participant=people["R3"])
    trust = Code.objects.create(study=study, name="Trust")
    action = Code.objects.create(study=study, name="Actionable")
    from themes.services.themes import create_theme

    theme = create_theme(study=study, user=user, name="It's Tough.", codes=[trust, action])  # type: ignore[arg-type]
    finding = create_finding(theme=theme, user=user, claim="Practitioners trust SHAP plots.")  # type: ignore[arg-type]
    return World(
        study, people, docs["R1 interview"], docs["Group"], docs["R10 interview"], trust, action, theme, finding
    )


def code(world: World, transcript: Transcript, text: str, code: Code, user: object) -> Coding:
    start, end = words(transcript, text)
    coding, _ = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=user)  # type: ignore[arg-type]
    return coding
