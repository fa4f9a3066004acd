"""Starter codebook for the Hopkins & Booth demo: the paper's six themes and their sub-themes.

Keys are the paper's section numbers; definitions paraphrase the paper's own framing of each section.
"""

from __future__ import annotations

# section -> (name, colour, definition, parent section or None)
HOPKINS_BOOTH_CODES: dict[str, tuple[str, str, str, str | None]] = {
    "4.1": (
        "Expectations vs. feasibility",
        "#4e79a7",
        "Tensions between what users, management or practitioners expect of ML and what is feasible "
        "with the organisation's resources.",
        None,
    ),
    "4.1.1": ("User expectations", "#76a5d6", "Users expect products as good as Big Tech's.", "4.1"),
    "4.1.2": (
        "Management expectations",
        "#8fb8e0",
        "Communicating the limits of ML to non-technical management and leadership intuition.",
        "4.1",
    ),
    "4.1.3": (
        "Predicting performance and cost",
        "#a9c9ea",
        "Unpredictable model performance and development cost; whether ML is worth deploying.",
        "4.1",
    ),
    "4.2": (
        "Bias: assess, prevent, mitigate",
        "#e15759",
        "Concern over deploying biased models and the strategies used to uncover and mitigate bias.",
        None,
    ),
    "4.2.1": (
        "Diversity or personalisation",
        "#ec8a8b",
        "Mitigating bias through diverse data or personalised models.",
        "4.2",
    ),
    "4.2.2": ("Blind spots", "#f2a7a8", "Models that fail on under-represented parts of the input space.", "4.2"),
    "4.2.3": (
        "Deferred responsibility",
        "#f7c4c5",
        "Responsibility for bias deferred to others (clients, users, regulators).",
        "4.2",
    ),
    "4.3": (
        "Black boxes and overconfidence",
        "#f28e2b",
        "Attitudes to black-box models, explanations and transparency, and over-trust in model output.",
        None,
    ),
    "4.3.1": (
        "Black boxes, explanations, transparency",
        "#f5ab63",
        "Whether opacity matters, which explanations help, transparency through example.",
        "4.3",
    ),
    "4.3.2": (
        "Mitigating overconfidence",
        "#f8c797",
        "Onboarding, uncertainty presentation and calibrating user trust.",
        "4.3",
    ),
    "4.4": (
        "Communication and collaboration",
        "#59a14f",
        "Communication with stakeholders as the mechanism to reconcile expectations; data literacy.",
        None,
    ),
    "4.4.1": ("Effective communication", "#86c17d", "Narratives, data literacy and insights being ignored.", "4.4"),
    "4.4.2": (
        "Institutional knowledge",
        "#aed6a7",
        "Unwritten knowledge about data and models held by people rather than documents.",
        "4.4",
    ),
    "4.5": (
        "A model is never finished",
        "#b07aa1",
        "Continuous refinement: data quality, evaluation and versioning under resource constraints.",
        None,
    ),
    "4.5.1": ("Data quality", "#c79bbd", "Planning, ingesting and cleaning data; trusted data subsets.", "4.5"),
    "4.5.2": ("Evaluation methods", "#d9b8d2", "Manual test cases, A/B tests, beta tests and user feedback.", "4.5"),
    "4.5.3": ("Model and data versioning", "#e8d3e4", "Tracking data, code and model changes; metadata.", "4.5"),
    "4.6": (
        "Privacy and growth",
        "#9c755f",
        "Tensions between privacy, regulation and the wish to grow and collect more data.",
        None,
    ),
    "4.6.1": ("Regulation and privacy policy impacts", "#bb9a86", "How GDPR and similar laws changed practice.", "4.6"),
    "4.6.2": (
        "Privacy legislation is insufficient",
        "#d3bcae",
        "Acting beyond legal requirements because legislation does not protect users enough.",
        "4.6",
    ),
    "4.6.3": ("ML to satisfy regulators", "#e6d7ce", "Using ML or explanations to satisfy regulators.", "4.6"),
}

# Discussion sub-sections code to their theme.
SECTION_ALIASES = {"4.1.4": "4.1", "4.2.4": "4.2", "4.3.3": "4.3", "4.4.3": "4.4", "4.5.4": "4.5", "4.6.4": "4.6"}

# Code-suggestion rules a researcher might attach to the starter codes, so the demo shows a suggestion
# queue (assist.suggestions): (code section, kind, pattern). They are the demo's configuration, not
# findings of the paper; the queue they fill is for the reader to accept or reject.
HOPKINS_BOOTH_RULES: list[tuple[str, str, str]] = [
    ("4.3.1", "phrase", "black box"),
    ("4.3.1", "keyword", "explanation"),
    ("4.3.2", "keyword", "confidence"),
    ("4.3.2", "lemma", "calibrate ... trust"),
    ("4.6.1", "keyword", "GDPR"),
    ("4.2", "keyword", "bias"),
]
