"""Bhatt et al. 2020: the table of deployed local explainability use cases (../shared/seeds/).

The seed is a text extraction that lost mathematical symbols: the evaluation criteria
printed as "norm" were norms written with a symbol in the paper. They are kept as extracted.
"""

from __future__ import annotations

TITLE = "Explainable Machine Learning in Deployment"
SLUG = "bhatt-2020-explainable-ml-deployment"
CITATION = "Bhatt et al. 2020. Explainable Machine Learning in Deployment. Preprint, arXiv."
DOI = ""
SOURCE_FILE = "bhatt-et-al-2020-explainable-ml-in-deployment.txt"
DESCRIPTION = (
    "Demo study built from the paper: interviews with roughly fifty people from approximately thirty "
    "organizations on which explainability techniques are used and how. Each case below is one row of the "
    "paper's summary of select deployed local explainability use cases (not an individual participant)."
)
RESEARCH_QUESTIONS = [
    "How do organizations view and use explainability for stakeholder consumption?",
]

# (case id, domain, model purpose, explainability technique, stakeholders, evaluation criteria)
USE_CASES: list[tuple[str, str, str, str, str, str]] = [
    ("U1", "Finance", "Loan Repayment", "Feature Importance", "Loan Officers", "Completeness"),
    ("U2", "Insurance", "Risk Assessment", "Feature Importance", "Risk Analysts", "Completeness"),
    ("U3", "Content Moderation", "Malicious Reviews", "Feature Importance", "Content Moderators", "Completeness"),
    ("U4", "Finance", "Cash Distribution", "Feature Importance", "ML Engineers", "Sensitivity"),
    ("U5", "Facial Recognition", "Smile Detection", "Feature Importance", "ML Engineers", "Faithfulness"),
    ("U6", "Content Moderation", "Sentiment Analysis", "Feature Importance", "QA ML Engineers", "norm"),
    ("U7", "Healthcare", "Medicare access", "Counterfactual Explanations", "ML Engineers", "normalized norm"),
    ("U8", "Content Moderation", "Object Detection", "Adversarial Perturbation", "QA ML Engineers", "norm"),
]
