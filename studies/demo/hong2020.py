"""Hong, Hullman & Bertini 2020: the participant table of the project page (../shared/seeds/)."""

from __future__ import annotations

TITLE = "Human Factors in Model Interpretability: Industry Practices, Challenges, and Needs"
SLUG = "hong-2020-interpretability"
CITATION = (
    "Sungsoo Ray Hong, Jessica Hullman, and Enrico Bertini. 2020. Human Factors in Model Interpretability: "
    "Industry Practices, Challenges, and Needs. Proc. ACM Hum.-Comput. Interact. 4, CSCW1, Article 311 (May 2020), "
    "26 pages."
)
DOI = "10.1145/3392878"
SOURCE_FILE = "hong-hullman-bertini-2020-project-page.txt"
DESCRIPTION = (
    "Demo study built from the published project page: semi-structured interviews with 22 ML practitioners from "
    "20 companies across 5 months, in banking, finance, healthcare, IT, social media, consulting, manufacturing, "
    "internet services and transportation (19 hours 10 minutes of audio). The participant table is loaded; the "
    "paper publishes no transcripts and none are invented."
)
# The page states the interviews' aim rather than numbered research questions.
RESEARCH_QUESTIONS = [
    "How do interviewees perceive interpretability roles, processes, goals, and associated challenges and design "
    "opportunities?",
]

# (PID, company domain, job title and role as printed, role code, domain problems). The role code is the
# abbreviation in parentheses (DS, SE, PM, UX); P9's title carries none in the table, so it stays empty.
PARTICIPANTS: list[tuple[str, str, str, str, str]] = [
    ("P1", "Software", "Staff manager in Research", "DS", "Object detection for telepresence robots"),
    ("P2", "Consulting", "CEO", "DS", "Identity recognition, fraud detection"),
    ("P3", "Banking", "Senior ML Engineer", "DS", "Credit risk assessment, call transcription"),
    ("P4", "Software", "Lead Data Scientist", "DS", "Sentiment analysis, object detection, AutoML"),
    ("P5", "Banking", "Data Engineer", "SE", "Anomalous recurring online payment detection"),
    ("P6", "Banking/Finance", "Head of AI", "DS", "Credit evaluation for business loans"),
    ("P7", "Internet Services", "Senior Software Developer", "SE", "Tooling for tabular/image data"),
    ("P8", "Social Media", "Data Scientist", "DS", "Service user retention prediction"),
    ("P9", "Banking/Finance", "Principal Data Scientist", "", "Customer acquisition/financial forcasting"),
    ("P10", "Software", "Product Manager", "PM", "Tooling (visualizing model interpretation)"),
    ("P11", "Consulting", "Lead Data Scientist", "DS", "Revenue maximization strategy prediction"),
    ("P12", "Internet Services", "Head of ML", "DS", "Oversees more than 50 models"),
    ("P13", "Transportation", "Senior Software Engineer", "DS", "Place recommendation, partners acquisition"),
    ("P14", "Social Media", "ML Engineering Manager", "DS", "Advertisement ranking"),
    ("P15", "Transportation S/W", "Senior ML Research Scientist", "DS", "Claim handling, driver voice assistance"),
    ("P16", "Healthcare", "Medical Doctor", "DS", "Mortality, deterioration, and radiology"),
    ("P17", "Manufacturing", "Senior Researh Scientist", "DS", "Oil pump/power grid operation"),
    ("P18", "Software/Research", "CTO", "SE", "Tooling (image-based model interpretation)"),
    ("P19", "Finance", "Senior Analytics Expert", "PM", "Credit score prediction"),
    ("P20", "Healthcare", "CTO, Head of Data Science", "DS", "Lung cancer operation"),
    ("P21", "Software", "Principal Design Manager", "UX", "Best images selection, transcription"),
    ("P22", "Healthcare", "Senior Data Scientist", "DS", "Care management/resource utilization"),
]

ROLES = {
    "DS": "data scientist or ML engineer",
    "SE": "software engineer building interpretability infrastructure",
    "PM": "product manager",
    "UX": "UX researcher",
}
