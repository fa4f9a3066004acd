"""A small study to build themes on: two documents of two participants, codes with overlapping codings."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from coding.models import Code, Coding
from interviews.models import Participant, Transcript
from studies.models import Study
from tests.coding.helpers import make_transcript

TEXT = "P1: We use SHAP daily and LIME sometimes.\n\nInterviewer: Why?\n\nP1: Trust matters to the bank.\n"


@dataclass
class World:
    study: Study
    user: User
    transcripts: list[Transcript]
    participants: list[Participant]
    codes: dict[str, Code]


def build_world(study: Study, user: User, *, documents: int = 2, participants: int = 3) -> World:
    """`documents` documents, document i of participant i; a third participant with no document.

    Codings (by `user`): A at [0, 10) and B at [5, 20) in every document (overlapping), C at
    [25, 35) in the first document only, D in no document.
    """
    people = [Participant.objects.create(study=study, label=f"R{i + 1}") for i in range(participants)]
    codes = {name: Code.objects.create(study=study, name=name, order=i) for i, name in enumerate("ABCD")}
    world = World(study=study, user=user, transcripts=[], participants=people, codes=codes)
    add_documents(world, documents)
    return world


def add_documents(world: World, documents: int) -> None:
    """`documents` more documents coded as `build_world` says, each of the next participant in turn."""
    study, user, codes, people = world.study, world.user, world.codes, world.participants
    first = len(world.transcripts)
    transcripts = []
    rows = []
    for i in range(first, first + documents):
        transcript = make_transcript(study, TEXT + f"\n(document {i + 1})\n", name=f"doc{i + 1}.txt")
        transcript.participants.add(people[i % len(people)])
        transcripts.append(transcript)
        rows += [
            Coding(study=study, transcript=transcript, text_version=transcript.text_version, code=codes["A"],
                   coder=user, start=0, end=10),
            Coding(study=study, transcript=transcript, text_version=transcript.text_version, code=codes["B"],
                   coder=user, start=5, end=20),
        ]  # fmt: skip
        if i == 0:
            rows.append(Coding(study=study, transcript=transcript, text_version=transcript.text_version,
                               code=codes["C"], coder=user, start=25, end=35))  # fmt: skip
    Coding.objects.bulk_create(rows)
    world.transcripts += transcripts
