"""A sample study for evaluating and testing code suggestions, built deterministically.

    build_sample_study(slug="suggest-sample", transcripts=12, seed=7, owner=None) -> Study

Interviews with practitioners about explainable AI, written for this purpose: each code has a dozen
or so hand-written sentences with slots (the technique, the model, the audience, the domain) filled
from small lists, and the interviews mix them with interviewer questions, small talk and background
sentences that are not coded, some of which use a code's keywords in another sense ("I trust my
colleagues to review it"), while many coded sentences avoid the obvious keyword. So rules alone miss
and mislead the way they do in real studies, and the learned model has something to learn.

The builder goes through the services: transcripts are imported (`interviews.services.imports`),
processed (`assist.services.process_transcripts`: sentences), codes created and sentences coded
through `coding.services` (one coding per coded sentence; some only a clause of it, as coders do),
and a few rules per code stored as `SuggestionRule` rows (rules of imperfect precision on purpose).
Same slug, seed and size give the same study; an existing study with the slug is deleted first.

The figures measured on it (docs/benchmarks.md, "Code suggestions") are figures on generated text:
templates recur across interviews, so the model's scores here are an optimistic bound of what a real
study gives, and the baselines' the same kind of bound.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

CODES: dict[str, str] = {
    "trust": "Trust in model outputs",
    "regulation": "Regulation and compliance",
    "debugging": "Debugging with explanations",
    "stakeholders": "Explaining to stakeholders",
    "friction": "Tool friction",
    "faithfulness": "Doubts about faithfulness",
    "fairness": "Fairness and bias",
    "pressure": "Organisational pressure",
}

SLOTS: dict[str, list[str]] = {
    "tool": [
        "SHAP", "LIME", "integrated gradients", "the saliency maps", "partial dependence plots",
        "counterfactual explanations", "the feature importance chart", "Shapley values", "the surrogate tree",
    ],
    "model": [
        "gradient boosting model", "credit scoring model", "churn model", "neural network", "random forest",
        "classifier", "pricing model", "triage model",
    ],
    "who": [
        "the product owner", "our clients", "the risk committee", "the doctors", "the loan officers",
        "senior management", "the claims handlers", "the board",
    ],
    "domain": ["lending", "radiology", "insurance claims", "fraud detection", "hiring", "customer churn"],
}  # fmt: skip

SENTENCES: dict[str, list[str]] = {
    "trust": [
        "I only started to trust the {model} once {tool} agreed with what I knew about {domain}.",
        "Honestly, when the explanation looks sensible I rely on the prediction a lot more.",
        "If the top features make sense to me, I am much more confident in the output.",
        "There were weeks where I simply believed whatever the {model} said, and that worried me later.",
        "Seeing {tool} for a single case made me comfortable acting on the score.",
        "We would never let the {model} decide alone, but with an explanation next to it people accept it.",
        "My confidence in the prediction goes up when the reasons look like the ones an expert would give.",
        "When the explanation contradicts my intuition I stop relying on the model for that case.",
        "For me the explanation is what turns a number into something I can act on.",
        "I check {tool} before I accept a recommendation, every single time.",
        "The scores felt trustworthy only after we saw they matched the case notes.",
        "People in {domain} over-rely on the output once it comes with a nice chart.",
        "I'd say trust came slowly, one sensible explanation at a time.",
    ],
    "regulation": [
        "Under GDPR we have to be able to give a meaningful explanation of an automated decision.",
        "The regulator asked us to document how every feature of the {model} affects the outcome.",
        "Our auditors want a record of why each applicant in {domain} was declined.",
        "The legal team keeps asking whether {tool} is enough for the right to explanation.",
        "Compliance signs off on the model only when the adverse action reasons are written down.",
        "We had an audit last spring and the explanations were the first thing they looked at.",
        "The new AI Act means we need a paper trail for high-risk systems like ours.",
        "Every model change now goes through a review with the data protection officer.",
        "In {domain} a customer can contest a decision, so we must say which factors drove it.",
        "The supervisory authority wants the reason codes to be stable from one release to the next.",
        "Legally we cannot use a model we cannot justify to the ombudsman.",
        "Documentation for the model risk policy takes longer than building the model itself.",
    ],
    "debugging": [
        "{tool} showed that the {model} was leaning on the patient ID, which was pure leakage.",
        "We found a bug in the preprocessing because one feature dominated every explanation.",
        "The explanations revealed a spurious correlation with the scanner type.",
        "Looking at the attributions we noticed the timestamp column had sneaked into the training data.",
        "Once we saw the weird importance of the postcode we went back and fixed the pipeline.",
        "I use {tool} mostly to find out where the {model} goes wrong on the hard cases.",
        "A colleague spotted a data error because the heatmap lit up the hospital watermark.",
        "The error analysis got much faster when we could see which inputs drove the mistakes.",
        "We retrained after the explanation showed a label leak in the {domain} data.",
        "Debugging without attributions would have taken us weeks instead of an afternoon.",
        "The saliency on the image borders told us the model had learnt the wrong thing.",
        "We caught a unit mismatch because the feature effect went in the opposite direction.",
    ],
    "stakeholders": [
        "When I present to {who} I show one plot and three sentences, nothing more.",
        "{who} don't care about Shapley values, they want to know what to do differently.",
        "I translate the feature importance into plain language for {who}.",
        "The hardest part is explaining the {model} to people without a technical background.",
        "We built a one-page summary so {who} could follow why the score changed.",
        "In meetings I use a worked example of a single customer rather than the global picture.",
        "Our slides for {who} avoid the word probability altogether.",
        "I have to explain to {who} why the model can be right and still look strange.",
        "Clients keep asking for the one reason behind a decision, and there rarely is one.",
        "We ran a workshop so the business side could read the charts on their own.",
        "Non-technical colleagues understood the counterfactual story much better than any chart.",
        "I spend more time preparing the explanation for {who} than running the analysis.",
    ],
    "friction": [
        "Computing {tool} on the full data set takes hours on our machines.",
        "The library broke every time we upgraded the dependencies.",
        "Getting the explanation into our dashboard was a nightmare.",
        "The plots from {tool} are unreadable once you have more than twenty features.",
        "We gave up on the kernel explainer because it was far too slow for production.",
        "Installing the package on the locked-down servers took two weeks of tickets.",
        "There is no good way to store the explanations next to the predictions in our warehouse.",
        "The API of the toolkit changes so often that our notebooks stop working.",
        "I had to write my own wrapper because {tool} did not support our model format.",
        "Memory usage explodes when we explain more than a few thousand rows.",
        "The visualisations look fine in a notebook but export badly to reports.",
        "Nobody on the team knew how to configure the background data set properly.",
    ],
    "faithfulness": [
        "{tool} gave a different answer every time we changed the random seed.",
        "I am not sure the explanation reflects what the {model} actually computes.",
        "Two methods told two different stories about the same prediction.",
        "Small changes to the input flipped the explanation completely.",
        "The attributions looked plausible, but plausible is not the same as correct.",
        "We saw that the surrogate only agreed with the {model} on about seventy percent of cases.",
        "It worries me that you can make {tool} say almost anything by choosing the baseline.",
        "The heatmap highlighted the right area even for a model we had deliberately broken.",
        "I wonder whether people would notice if the explanations were simply made up.",
        "The explanations are unstable for cases close to the decision boundary.",
        "LIME and SHAP disagreed on the top feature for most of the loans we checked.",
        "An explanation can be convincing and still be misleading about the model.",
    ],
    "fairness": [
        "The explanation showed that gender was influencing the score through a proxy.",
        "We checked whether the {model} treats older applicants differently.",
        "Postcode turned out to be a stand-in for ethnicity in {domain}.",
        "Our fairness review compares error rates across protected groups.",
        "There was a clear bias against part-time workers in the historical data.",
        "We removed the variable, but the discrimination came back through correlated features.",
        "The attributions made it obvious that the {model} penalised career breaks, which mostly affects women.",
        "I run {tool} separately for each group to see whether the reasons differ.",
        "Equal accuracy overall hid a much higher false positive rate for one group.",
        "Some customers were disadvantaged simply because of the neighbourhood they live in.",
        "We asked whether the training labels themselves encoded past prejudice.",
        "The disparity only showed up when we split the results by age band.",
    ],
    "pressure": [
        "There is never time to look at explanations before the release deadline.",
        "Management wants the model live next quarter, explained or not.",
        "We had no budget for a proper interpretability study.",
        "The team is two people, so explanations are the first thing we drop.",
        "Our manager sees the explanation work as a nice-to-have.",
        "Priorities change every sprint, and the dashboard for explanations keeps slipping.",
        "Leadership counts the models we ship, not how well we understand them.",
        "I did the analysis with {tool} in my own time because it was never planned.",
        "The project was cut short before we could validate the explanations with users.",
        "Headcount was frozen, so nobody owns the interpretability tooling.",
        "Delivery dates are set before anyone asks what the explanation should show.",
        "We are measured on accuracy targets, so explanations get the leftover hours.",
    ],
}  # fmt: skip

# Sentences coded with two codes.
DUAL: list[tuple[tuple[str, str], str]] = [
    (("trust", "faithfulness"), "I trusted {tool} until I saw it change with the seed."),
    (("regulation", "stakeholders"), "The compliance report for {who} has to explain each declined case in plain words."),
    (("debugging", "fairness"), "{tool} exposed that the {model} used marital status, which was both a bug and a bias."),
    (("friction", "pressure"), "With the deadline close, the slow explainer was simply switched off."),
    (("stakeholders", "trust"), "Once {who} saw the reasons for each case they finally trusted the scores."),
    (("fairness", "regulation"), "The regulator asked us to show that the {model} does not discriminate by age."),
]  # fmt: skip

# Not coded: background, small talk, and distractors that use a code's words in another sense.
NEUTRAL: list[str] = [
    "I've been in the data science team for about three years now.",
    "Before that I worked as an analyst in {domain}.",
    "Yeah, that's right.",
    "Sure, happy to.",
    "We are about twelve people, split across two offices.",
    "Most of my week goes into feature engineering and meetings.",
    "I trust my colleagues to review each other's code.",
    "The release train leaves every second Tuesday.",
    "We moved to the cloud last year, which was a big change.",
    "Let me think about that for a second.",
    "I studied physics before moving into machine learning.",
    "The {model} itself is not very complicated.",
    "We mostly work in Python and a bit of SQL.",
    "Our data comes from three different source systems.",
    "That's a good question, actually.",
    "I report to the head of analytics.",
    "We use {tool} sometimes, like most teams.",
    "Mostly tabular data, with some text from the call centre.",
    "The team lunch on Fridays is where a lot of ideas come from.",
    "We document things in a wiki that nobody reads.",
    "Honestly I don't remember the exact numbers.",
    "I believe it was in March, or maybe April.",
    "The office is quieter since people work from home.",
    "We deploy models as containers behind an internal service.",
    "I can send you the slides afterwards if that helps.",
    "Our customers are mostly small businesses.",
    "The legal department is on another floor.",
    "I think that covers it.",
    "We have a weekly stand-up on Mondays.",
    "It depends on the project, really.",
]  # fmt: skip

QUESTIONS: list[str] = [
    "Could you tell me a bit about your role?",
    "How do you use explanations in your daily work?",
    "Can you give me an example of that?",
    "Who looks at the explanations in your organisation?",
    "What happens when an explanation looks wrong?",
    "How do you decide when a model is ready?",
    "What would you change about your current tools?",
    "How do regulations affect your work, if at all?",
    "Is there anything else you would like to add?",
    "How did the team react to that?",
    "What did you do next?",
    "Why do you think that is?",
]  # fmt: skip

RULES: list[tuple[str, str, str]] = [
    ("trust", "keyword", "trust"),
    ("trust", "keyword", "confident"),
    ("trust", "lemma", "rely on ... prediction"),
    ("regulation", "keyword", "GDPR"),
    ("regulation", "regex", r"(regulat|complian|audit)\w*"),
    ("regulation", "phrase", "right to explanation"),
    ("debugging", "keyword", "bug"),
    ("debugging", "keyword", "leakage"),
    ("debugging", "phrase", "spurious correlation"),
    ("stakeholders", "lemma", "explain * to"),
    ("stakeholders", "keyword", "slides"),
    ("friction", "keyword", "slow"),
    ("friction", "phrase", "takes hours"),
    ("faithfulness", "keyword", "unstable"),
    ("faithfulness", "lemma", "different ... story"),
    ("fairness", "keyword", "bias"),
    ("fairness", "keyword", "discrimination"),
    ("fairness", "phrase", "protected group"),
    ("pressure", "keyword", "deadline"),
    ("pressure", "keyword", "budget"),
]

DEFAULT_SLUG = "suggest-sample"


def _fill(template: str, rng: random.Random) -> str:
    text = rng.choice(HEDGES) + template
    for slot, values in SLOTS.items():
        while "{" + slot + "}" in text:
            value = rng.choice(values)
            text = text.replace("{" + slot + "}", value, 1)
    if text.startswith(("To be honest", "I mean", "Well", "So ", "And, yes", "In practice")):
        rest = text[text.index(" ") + 1 :] if text.startswith("So ") else text.split(", ", 1)[1]
        if text.startswith("And, yes"):
            rest = text[len("And, yes, ") :]
        prefix = text[: len(text) - len(rest)]
        if not rest.startswith(("I ", "I'", "LIME", "SHAP", "GDPR", "AI ")):
            rest = rest[0].lower() + rest[1:]
        text = prefix + rest
    return text[0].upper() + text[1:]


HEDGES = ["", "", "", "", "To be honest, ", "I mean, ", "Well, ", "So ", "And, yes, ", "In practice, "]
# How coders really code: some sentences of a code are missed, some get a neighbouring code too.
MISSED = 0.12
CONFUSED = 0.06
NEIGHBOURS = {
    "trust": "faithfulness", "faithfulness": "trust", "regulation": "fairness", "fairness": "regulation",
    "debugging": "faithfulness", "stakeholders": "trust", "friction": "pressure", "pressure": "friction",
}  # fmt: skip


@dataclass
class PlannedSentence:
    text: str
    codes: tuple[str, ...]
    clause_only: bool = False


def plan_interview(rng: random.Random, turns: int = 14) -> list[tuple[str, list[PlannedSentence]]]:
    """(speaker label, sentences) turns of one interview: questions, then answers of 2-5 sentences, of
    which about half are coded."""
    plan: list[tuple[str, list[PlannedSentence]]] = []
    keys = list(SENTENCES)
    for _ in range(turns):
        plan.append(("Interviewer", [PlannedSentence(rng.choice(QUESTIONS), ())]))
        answer: list[PlannedSentence] = []
        for _ in range(rng.randint(2, 5)):
            roll = rng.random()
            if roll < 0.45:
                code = rng.choice(keys)
                text = _fill(rng.choice(SENTENCES[code]), rng)
                noise = rng.random()
                codes: tuple[str, ...] = (code,)
                if noise < MISSED:
                    codes = ()
                elif noise < MISSED + CONFUSED:
                    codes = (code, NEIGHBOURS[code])
                answer.append(PlannedSentence(text, codes, rng.random() < 0.15))
            elif roll < 0.5:
                pair, template = rng.choice(DUAL)
                answer.append(PlannedSentence(_fill(template, rng), pair))
            else:
                answer.append(PlannedSentence(_fill(rng.choice(NEUTRAL), rng), ()))
        plan.append(("P", answer))
    return plan


def build_sample_study(
    *, slug: str = DEFAULT_SLUG, transcripts: int = 12, seed: int = 7, owner: Any = None, with_rules: bool = True
) -> Any:
    """Build (or rebuild) the sample study; returns it. See the module docstring."""
    from django.test.utils import override_settings

    # Build quietly: no processing job per import and no retraining per coding (both run at the end).
    with override_settings(THEMATICA_NLP_ON_TEXT_CHANGE=False, THEMATICA_SUGGEST_AUTO_TRAIN=False):
        return _build(slug=slug, transcripts=transcripts, seed=seed, owner=owner, with_rules=with_rules)


def _build(*, slug: str, transcripts: int, seed: int, owner: Any, with_rules: bool) -> Any:
    from django.db import transaction

    from accounts.models import User
    from assist.models import SuggestionRule
    from assist.services import process_transcripts
    from coding.services.codebook import create_code
    from coding.services.codings import apply_coding
    from interviews.services.imports import import_transcript
    from studies.models import Membership, Role, Study

    rng = random.Random(seed)
    Study.objects.filter(slug=slug).delete()
    if owner is None:
        owner, created = User.objects.get_or_create(username="suggest-sample-coder")
        if created:
            owner.set_unusable_password()  # a name for the codings, never an account to sign in with
            owner.save(update_fields=["password"])
    with transaction.atomic():
        study = Study.objects.create(
            title="Sample: explainability in practice (code suggestions)",
            slug=slug,
            description="Generated interviews for evaluating code suggestions (assist.suggest.sample).",
            created_by=owner,
        )
        Membership.objects.create(study=study, user=owner, role=Role.OWNER)
        codes = {key: create_code(study=study, user=owner, name=name) for key, name in CODES.items()}
    for n in range(1, transcripts + 1):
        plan = plan_interview(rng)
        label = f"P{n}"
        lines = []
        for speaker, sentences in plan:
            lines.append(f"{label if speaker == 'P' else speaker}: {' '.join(s.text for s in sentences)}")
        text = "\n\n".join(lines) + "\n"
        outcome = import_transcript(
            study=study, filename=f"{label}.txt", data=text.encode(), user=owner, title=f"Interview {label}"
        )
        transcript = outcome.transcript
        stored = transcript.text
        position = 0
        for _, sentences in plan:
            for sentence in sentences:
                start = stored.index(sentence.text, position)
                end = start + len(sentence.text)
                position = end
                if not sentence.codes:
                    continue
                if sentence.clause_only and "," in sentence.text:
                    end = start + sentence.text.index(",")  # a coder marked the first clause only
                for code in sentence.codes:
                    apply_coding(transcript=transcript, code=codes[code], start=start, end=end, coder=owner)
    process_transcripts(study.transcripts.all())
    if with_rules:
        SuggestionRule.objects.bulk_create(
            SuggestionRule(study=study, code=codes[code], kind=kind, pattern=pattern, created_by=owner)
            for code, kind, pattern in RULES
        )
    return study
