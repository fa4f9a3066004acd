"""Hopkins & Booth 2021: participant table (Table 1), published quotes, interview outlines, themes, findings.

Transcribed from the paper and its supplementary material (../shared/seeds/). Each quote is verbatim
(markdown emphasis and escapes removed) and attributed to the interviewee the paper names; the
section number says where the paper reports it, which the starter codebook follows.
"""

from __future__ import annotations

from typing import NamedTuple

TITLE = "Machine Learning Practices Outside Big Tech: How Resource Constraints Challenge Responsible Development"
SLUG = "hopkins-booth-2021-outside-big-tech"
CITATION = (
    "Aspen Hopkins and Serena Booth. 2021. Machine Learning Practices Outside Big Tech: How Resource Constraints "
    "Challenge Responsible Development. In Proceedings of the 2021 AAAI/ACM Conference on AI, Ethics, and Society "
    "(AIES '21), May 19–21, 2021, Virtual Event, USA. ACM, New York, NY, USA, 19 pages."
)
DOI = "10.1145/3461702.3462527"
SOURCE_FILE = "hopkins-booth-2021-ml-practices-outside-big-tech.txt"
DESCRIPTION = (
    "Demo study built from the published paper: 17 semi-structured interviews with ML practitioners outside Big "
    "Tech and academia, analysed with thematic analysis into six themes. The participant table, the "
    "participants' published quotes and the interview outlines from the supplementary material are loaded; "
    "the paper publishes no full transcripts and none are invented."
)
RESEARCH_QUESTIONS = [
    "What problems do smaller companies, organizations, and agencies face?",
    "What are their practices?",
    "How can the AI research community ensure our work is targeted not just at well-resourced organizations but "
    "also those with limited fiscal resources and increased existential risk?",
]

# (id, organisation type, company description, interviewee title, resources); "-" in the paper (R15) is empty.
PARTICIPANTS: list[tuple[str, str, str, str, str]] = [
    ("R1", "Publicly Listed", "Shopping/recommendations", "Data Engineer", "$$$$"),
    ("R2", "Startup", "Shopping/recommendations", "VP of Product", "$$"),
    ("R3", "Startup", "Shopping/recommendations", "VP of Strategy", "$$"),
    ("R4", "Publicly Listed", "Pet care (diagnostics)", "Senior Data Scientist", "$$$$"),
    ("R5", "Startup", "Healthcare (diagnostics)", "Chief Operating Officer", "$"),
    ("R6", "Startup", "Fitness", "Chief Technology Officer", "$$$"),
    ("R7", "Startup", "Real estate", "Chief Technology Officer", "$$"),
    ("R8", "Small Company", "Real estate", "Head Of Analytics", "$$"),
    ("R9", "Startup", "Real estate", "Senior Product Manager", "$$"),
    ("R10", "Startup", "ML consulting and tools", "Chief Technology Officer", "$$"),
    ("R11", "Startup", "ML consulting and tools", "Chief Executive Officer", "$"),
    ("R12", "Startup", "Data automation", "Board Member/Investor", "$"),
    ("R13", "Startup", "Pet care", "Director of Engineering", "$"),
    ("R14", "Public Sector", "Municipality", "Asst. Director of Data Analytics", "$"),
    ("R15", "Venture Capital", "Investment", "Startup/ML Investor", ""),
    ("R16", "Startup", "Language learning", "Chief Technology Officer", "$"),
    ("R17", "Startup", "Language learning", "Chief Technology Officer", "$"),
]

RESOURCE_TIERS = ["$", "$$", "$$$", "$$$$"]

# (interviewee, verbatim quote, section of the paper that reports it)
QUOTES: list[tuple[str, str, str]] = [
    ("R8", "the big pushback", "4.1.1"),
    ("R8", "good products", "4.1.1"),
    ("R8", "a lot of black box work.", "4.1.1"),
    ("R3", "data story", "4.1.2"),
    ("R12", "CEOs and executives don’t really understand what it takes [to develop and deploy ML]", "4.1.2"),
    ("R7", "I don’t have any worries about automating the quality checks", "4.1.3"),
    (
        "R7",
        "we’ll never have the density of data to really automate some of these things... the ROI [Return On Investment] "
        "on automation might be low.",
        "4.1.3",
    ),
    ("R11", "biggest business concern", "4.2"),
    ("R5", "low risk", "4.2.4"),
    ("R5", "$300 procedure instead of a $50-60 procedure", "4.2.4"),
    ("R2", "don’t mind the unknown of black box", "4.3.1"),
    ("R2", "do mind if it causes harm.", "4.3.1"),
    (
        "R1",
        "From an ethical perspective, I don’t think one should write a model if they have no idea how to tell when "
        "something goes wrong.",
        "4.3.1",
    ),
    ("R10", "nobody wants a black box model.", "4.3.1"),
    ("R4", "non-definitive way.", "4.3.2"),
    (
        "R7",
        "the value of something is not objective. If you had a perfect algorithm for what something is worth, but then "
        "someone buys it for three times as much, then that’s what it’s worth.",
        "4.3.3",
    ),
    ("R3", "really tough.", "4.4"),
    (
        "R8",
        "A couple people in the company have a narrative in their head already, and if the analytics don’t support that "
        "narrative, they don’t want anything to do with those analytics.",
        "4.4.1",
    ),
    ("R10", "informal discussions", "4.4.2"),
    ("R11", "lack of best practices in training", "4.5"),
    (
        "R3",
        "it affects the models, because every bit of data you have is fragmented across hard-to-reconcile records.",
        "4.5.1",
    ),
    ("R3", "weak but useful", "4.5.2"),
    ("R17", "too early", "4.5.3"),
    ("R1", "data that went in, and the code as well", "4.5.3"),
    ("R14", "what worked within a dataset", "4.5.3"),
    ("R14", "things that are taken care of as the project is going on.", "4.5.3"),
    ("R1", "metadata considerations.", "4.5.3"),
    ("R12", "what metadata do I need to make sure this product matches the end description?", "4.5.3"),
    ("R6", "throw it out", "4.5.4"),
    ("R1", "a pain in the ass", "4.6.1"),
    ("R3", "without malcontent whenever possible", "4.6.2"),
    ("R2", "acting without malcontent", "4.6.4"),
]

# Interview outlines from the supplementary material, one per interviewee.
PROTOCOLS: dict[str, list[str]] = {
    "R1": [
        "You mentioned you're on the ML team, but you also have a separate data science team. How does that "
        "breakdown work?",
        "What are you currently using Machine Learning for at your company? What kind of data, and what kind of "
        "models?",
        "Going forward, what are your ML/Data aspirations?",
        "What unrealized promise do you see in ML?",
        "What are the potential limitations?",
        "When you or your team gets started on a data/ML project, what is your process?",
        "How do you manage these projects over time? What do updates and changes look like?",
        "What is the life cycle of a model like at your company?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "How do you think about bias?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "How do you ensure the progress you make aligns with the goals of the project and the company?",
        "What stakeholders do you work with?",
        "What impact does communication have on you or your team?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "What was the situation? How did the team handle that?",
        "How do you think your work would be different if you were at FAANG?",
        "In your regular work, what are the biggest difficulties you face regularly?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "Has GDPR or other privacy legislation noticeably impacted or changed your work? How so?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R10": [
        "In some ways it seems like your company acts to consult companies on ML. What are the most common issues "
        "companies face?",
        "How do you work with clients? What has your experience been like?",
        "What has your experience of using ML and AI in the real world been?",
        "What works well, and what doesn't?",
        "What promise do you see in ML?",
        "How do you or your clients test your models?",
        "How do you think about model regressions? How costly are failures?",
        "Your company has a framework for data readiness. Can you expand on what that means?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "Have you looked into the explanation/interpretability literature?",
        "When you or your team gets started on a data project, what is your process?",
        "How do you validate and assess your work?",
        "Would you ever consider external QC for data or models?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Has your work been impacted by GDPR or other data privacy legislation?",
    ],
    "R11": [
        "We read your blurb online, but can you tell us a little about your work?",
        "How do you evaluate whether your augmentations are useful?",
        "How do you test/evaluate your models?",
        "Related: How do you assess the quality of augmentations?",
        "What are best case scenarios from these tools? Worst case?",
        "Do you have any concerns about using black box systems?",
        "Do you ever collect new real world data instead of using computational techniques? When and why?",
        "How do you think about dataset diversity?",
        "Do you have systems in place to choose which variability to introduce?",
        "How do you evaluate differences between testing in synthesized data vs real world contexts?",
        "If a dataset has insufficient diversity, is your approach able to compensate?",
        "Augmented data is limited by the contextual understanding of practitioners around data needs—how do you "
        "introduce real world variation?",
        "How costly are regressions/failures? What do they look like, and how do you insulate yourself?",
        "How do you track these changes to models / data?",
        "Which stakeholders do you share your work with?",
        "Do you need to educate stakeholders and customers? How do you go about this?",
        "Do you need to explain your augmentations to stakeholders/customers? How do you go about this?",
        "Have you experienced a situation where your team learned that some model/augmentations/analysis was "
        "incorrect?",
        "Broadly, what happened was the situation?",
        "How did the team handle that?",
        "Have you ever had a setback after launching a project?",
        "What caused the setback?",
        "Has your work been impacted by GDPR or other data privacy legislation?",
    ],
    "R12": [
        "Right now, you're on the board of an AI startup. Can you tell us a little bit about how you operate in "
        "this role?",
        "As a board member, what is your current involvement like? Are you involved in the company's decision "
        "making? How so?",
        "Are you familiar with their technical work or do you focus on their business dev?",
        "What are the main challenges that they face right now?",
        "From your perspective, what does a technical failure look like for this company?",
        "What are the potential impacts of those failures?",
        "How do you think about investing in AI/ML companies? What do you look for, and what are technological "
        "red flags for you?",
        "When AI startups need large quantities of data to make their products successful, how do you help them "
        "get off the ground? (Is this something you see)?",
        "Do you think about the implications of GDPR-like legislation when investing in AI companies? Do you "
        "think this will change in the future, as these privacy-preserving laws become stronger and more common?",
        "A little retrospective: What was your experience as a founder in a recommendation engine? What were the "
        "main challenges you faced?",
        "The potential of ML was just surfacing when you worked on that company. How did this play into your "
        "decision making?",
        "Has your work been impacted by GDPR or other data privacy legislation?",
    ],
    "R13": [
        "Your company changed directions quite dramatically. How did you pivot to where you are now?",
        "How are you using Machine Learning in your product?",
        "What are the benefits of using ML or automated decision making tools?",
        "What are the challenges you've faced using ML in your business or automated decision making tools?",
        "What are your concerns about using black box systems?",
        "What are best case scenarios from these tools? Worst case?",
        "How do you test your models?",
        "How costly are regressions/failures? What do they look like, and how do you insulate yourself?",
        "How do you track these changes to models / data?",
        "How do you balance accuracy with generalizability?",
        "Do you have systems in place to choose which variability to introduce? How do you evaluate differences "
        "between testing in controlled contexts vs real world contexts?",
        "How does machine training translate to human interaction?",
        "What's the user sentiment like re: ML, and how do you manage user expectations?",
        "What does onboarding look like?",
        "Do you need to explain ML decisions? How do you do this?",
        "When you or your team gets started on a data project, what is your process?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Which stakeholders do you share your work with?",
        "How do you go about sharing data findings with other team members?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect? Broadly, what "
        "happened was the situation?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "Has your work been impacted by GDPR or other data privacy legislation?",
    ],
    "R14": [
        "Outside of data management, what are your office's responsibilities? How much do you collaborate with "
        "other agencies and organizations?",
        "When you collect data, why do you collect data?",
        "Where/what kinds of data are important?",
        "Obviously there's a cost to introducing a new dataset. What do you want more of?",
        "Have you made mistakes by introducing datasets before?",
    ],
    "R15": [
        "How do you think about investing in machine learning?",
        "Are you using Machine Learning or Big Data or other automated decision tools at your company?",
        "How so?",
        "If not, why not?",
        "What are the benefits of using ML or automated decision making tools?",
        "Where are you using automated processing or tools, or ML products right now? In the future?",
        "What are the challenges you've faced using ML in your business or automated decision making tools?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "What concerns, if any, do you have about using black box systems?",
        "What are best case scenarios from these tools? Worst case?",
        "How do you test your models?",
        "When you or your team gets started on a data project, what is your process?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project?",
        "What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "Broadly, what happened was the situation?",
        "How did the team handle that?",
        "How has GDPR affected your work?",
    ],
    "R16": [
        "Are you currently using Machine Learning or other automated decision tools at your company?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "When you or your team gets started on a data/ML project, what is your process?",
        "How do you validate and assess your work?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "What was the situation? How did the team handle that?",
        "You work on language translation projects. How do you think about your users needs in this space?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR? As you move forward with data-intensive projects, what are your thoughts on "
        "compliance and how easy or hard it is to be in compliance?",
    ],
    "R17": [
        "Are you currently using Machine Learning or other automated decision tools at your company?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "When you or your team gets started on a data/ML project, what is your process?",
        "How do you validate and assess your work?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "What was the situation? How did the team handle that?",
        "You work on language translation projects. How do you think about your users needs in this space?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR? As you move forward with data-intensive projects, what are your thoughts on "
        "compliance and how easy or hard it is to be in compliance?",
    ],
    "R2": [
        "How are you using Machine Learning or Big Data or other automated decision tools at your company?",
        "What are the benefits of using ML or automated decision making tools?",
        "Where are you using automated processing or tools, or ML products right now? In the future?",
        "What are the challenges you've faced using ML in your business or automated decision making tools?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "What concerns, if any, do you have about using black box systems?",
        "Have you worked to introduce explanations for your ML models? How so?",
        "What are best case scenarios from these tools? Worst case?",
        "How do you test your models?",
        "When you or your team gets started on a data project, what is your process?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect? How did you "
        "handle that situation?",
        "How has GDPR affected your work?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R3": [
        "Our impression is that you primarily build two products. We heard you are working on product "
        "recommendation—can you describe how you're planning to use Machine Learning or Big Data or other "
        "automated decision tools right now?",
        "What are the challenges you've faced or anticipate in using ML in automated decision making tools?",
        "What are your concerns about using black box systems?",
        "What are best case scenarios from these tools? Worst case?",
        "How do you test your models?",
        "How do you think about model regressions? How costly are failures? How do you insulate yourself from these?",
        "You're still mostly curating recommendations manually. What goes into that decision making, and how will "
        "it change as you increasingly automate?",
        "How do you assess the quality of recommendations?",
        "What are your concerns about automating?",
        "By highlighting companies on your product you increase their reach. How do you choose which companies to "
        "highlight?",
        "When you or your team gets started on a data project, what is your process?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Which stakeholders do you share your work with? How do you go about sharing data findings with other team "
        "members?",
        "Have you ever had a setback after launching a data project?",
        "What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect? What happened? "
        "How did the team handle that?",
        "How do you think about GDPR or other privacy legislation?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R4": [
        "Are you currently using Machine Learning or other automated decision tools?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "When you or your team gets started on a data project, what is your process?",
        "How do you validate and assess your work?",
        "Would you ever consider external QC for data or models?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make decisions.",
        "What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR or other privacy legislation?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R5": [
        "We had a look through your website, and we took away that you're doing medical diagnostic support with "
        "AI. We have some questions about data, consensus-building, and model validation.",
        "How do you collect your data?",
        "Where does it come from?",
        "How do you label it? (How do you build consensus?)",
        "How do you ensure sufficient representation in your data?",
        "How do you test/validate your models?",
        "How do you track these their models and data evolution over time?",
        "What do updates and changes look like?",
        "How do you decide when/where to iterate on your data?",
        "Have you ever experienced a model or data regression/failures? How did you handle it?",
        "What are the risks associated with those failures?",
        "How do you build calibrated (appropriate) trust with practitioners?",
        "Are you worried about overtrust?",
        "How do you communicate or think about communicating uncertainty in your ML/data products?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR or other privacy legislation?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R6": [
        "What are you currently using Machine Learning for at your company?",
        "What kind of data, and what kind of models?",
        "Going forward, what are your ML/Data aspirations?",
        "What unrealized promise do you see in ML?",
        "What are the potential limitations?",
        "When you or your team gets started on a data/ML project, what is your process?",
        "How do you manage these projects over time? What do updates and changes look like?",
        "What is the life cycle of a model like at your company?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "How do you think about bias?",
        "How do you think about representative data/testing?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "How do you ensure the progress you make aligns with the goals of the project and the company?",
        "What stakeholders do you work with? What impact does communication have on you or your team?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "What was the situation? How did the team handle that?",
        "How do you think your work would be different if you were at FAANG?",
        "In your regular work, what are the biggest difficulties you face regularly?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "Has GDPR or other privacy legislation noticeably impacted or changed your work? How so?",
    ],
    "R7": [
        "First let's talk about data-related projects, not necessarily machine learning. When you or your team "
        "gets started on a data project, what is your process?",
        "How do you validate and assess your work?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "What was the situation? How did the team handle that?",
        "Are you currently using Machine Learning or other automated decision tools at your company?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR?",
        "As you move forward with data-intensive projects, what are your thoughts on compliance and how easy or "
        "hard it is to be in compliance?",
    ],
    "R8": [
        "Are you currently using Machine Learning or other automated decision tools?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "When you or your team gets started on a data project, what is your process?",
        "How do you validate and assess your work?",
        "Would you ever consider external QC for data or models?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR or other privacy legislation? As you move forward with data-intensive "
        "projects, what are your thoughts on compliance and how easy or hard it is to be in compliance?",
    ],
    "R9": [
        "Are you currently using Machine Learning or other automated decision tools at your company?",
        "What are your ML/Data aspirations? What promise do you see in ML?",
        "How do you or would you test your models?",
        "How do you think about model regressions? How costly are failures?",
        "When you or your team gets started on a data/ML project, what is your process?",
        "How do you validate and assess your work?",
        "What is your process for launching or sharing a data-related project with the world?",
        "How do you track these projects over time? What do updates and changes look like?",
        "Have you ever had a setback after launching a data project? What caused the setback?",
        "Have you experienced a situation where your team learned that some analysis was incorrect?",
        "How did you find out?",
        "What was the situation? How did the team handle that?",
        "ML can produce very high accuracy models, but it can be hard to understand how these models make "
        "decisions. What are your thoughts on the black box nature of these decision-making modeling tools?",
        "How do you think about GDPR? As you move forward with data-intensive projects, what are your thoughts on "
        "compliance and how easy or hard it is to be in compliance?",
    ],
}


# The authors' own prose on which explanation techniques interviewees used (the published quotes
# name none). Each passage is a run of consecutive sentences copied verbatim from the seed paper
# (markdown emphasis removed, reference numbers in brackets kept), with the section it comes from and
# the interviewees the paper attributes it to. Loaded as one document that says it is the paper's
# text, not a transcript (loader.load_paper_passages).
SUMMARIES_TITLE = "Authors' summaries of interviews (Hopkins & Booth 2021, §4.3, §4.6)"
SUMMARIES_NOTE = (
    "Not a transcript: the paper's own text. Each turn is a passage in which the authors summarise what the "
    "interviewees they name used or said about explanations (§4.3 and §4.6), copied verbatim from the paper; "
    "markdown emphasis was removed and reference numbers such as [46] were kept."
)
# (speaker label, section, interviewees the passage is about, verbatim passage)
AUTHOR_SUMMARIES: list[tuple[str, str, tuple[str, ...], str]] = [
    (
        "Authors on R4",
        "4.3.1",
        ("R4",),
        (
            "In addition, R4 and R10 desired classic ML explanations. R4 wanted to provide explanations to help "
            "users assess predictions, believing this especially necessary for calibrating trust. For internal "
            "interpretability use, R4 had implemented LIME [46] and feature importance methods, but found these "
            "explanation methods unhelpful for their end users."
        ),
    ),
    (
        "Authors on R10",
        "4.3.1",
        ("R10",),
        (
            "R10 also desired explanations, stating “nobody wants a black box model.” As an intermediate "
            "solution, R10—a consulting company—relied on Shapley Values [49] to increase customer trust, though "
            "they noted it was not an ideal solution. They cited two challenges: first, for each data type, they "
            "needed to design a custom interface for providing these explanations. Second, they found their users"
            " did not know how to interpret these values."
        ),
    ),
    (
        "Authors on R4",
        "4.3.2",
        ("R4",),
        (
            "In contrast to R5’s approach of relying on onboarding to mitigate overconfidence, R4 sought methods "
            "to continuously calibrate user trust and understanding. To do so, R4 collaborated with designers to "
            "explore better presentation of uncertainty and curated model explanations."
        ),
    ),
    (
        "Authors on R4 and R10",
        "4.3.3",
        ("R4", "R10"),
        (
            "Still, some interviewees did desire explanations (R4, R10); their desires reflected insights from "
            "Hong et al. [25] and Gosiewska and Biecek [20]. These practitioners found explanation methods to be "
            "unstable and did not generalize well to their contexts."
        ),
    ),
    (
        "Authors on R4",
        "4.3.3",
        ("R4",),
        (
            "R4 explained that the methods they had tried—LIME and feature importances—were insufficient at "
            "communicating uncertainty, reflecting recent work by Bhatt et al. [6]."
        ),
    ),
    (
        "Authors on R10",
        "4.6.1",
        ("R10",),
        (
            "Though R10 noted their company’s legal team guided them on GDPR and other regulations, no "
            "interviewee indicated that they were directly concerned with the requirement to provide an "
            "explanation, despite using black box models extensively."
        ),
    ),
    (
        "Authors on R1",
        "4.6.1",
        ("R1",),
        (
            "Despite implementing these extensive changes to data handling, R1 nonetheless remained unconcerned "
            "with any notion of a “right to an explanation.”"
        ),
    ),
]


# ---------------------------------------------------------------------------------------------
# Themes and findings (issue 11). The paper reports its analysis as six overarching themes
# (§4.1–§4.6, each titled with an interviewee's words) and, under each, the detailed themes it
# names as sub-sections; its "Discussion" sub-sections (§4.x.4 and the like) are the authors'
# reflection on the overarching theme, not further themes. Everything below is the paper's text,
# verbatim as the quotes above (markdown emphasis removed, reference numbers in brackets kept).
# ---------------------------------------------------------------------------------------------


class PaperTheme(NamedTuple):
    """A theme as the paper publishes it: its section, its published title, the sentence(s) of that
    section that say what it is about as the definition, the overarching theme it sits under (`None` for the
    six), and the starter codes (`codebooks.HOPKINS_BOOTH_CODES` keys) it groups."""

    section: str
    title: str
    definition: str
    parent: str | None
    codes: tuple[str, ...]


class PaperFinding(NamedTuple):
    """A claim under a theme in the paper's words, with the interviewees the paper names for it
    and the published quotes (`QUOTES`, by interviewee and words) the paper gives in its support.

    `participants` are the labels the claim itself names, in the paper's order (the paper's
    "R11R1" is R11 and R1). The paper rests most claims on unpublished notes, so the quotes often
    come from fewer interviewees than it names: the live coverage the app computes from the
    quotes then shows fewer participants than `participants`, and the finding's narrative says
    so. `context` is the paper's text around the claim (verbatim passages, in the paper's order);
    `techniques` are
    (slug in `explainers.techniques`, the words in the claim or context that name it)."""

    section: str
    theme: str
    claim: str
    participants: tuple[str, ...]
    quotes: tuple[tuple[str, str], ...]
    context: tuple[str, ...] = ()
    techniques: tuple[tuple[str, str], ...] = ()


THEMES: list[PaperTheme] = [
    PaperTheme(
        "4.1",
        "“It’s Tough.” Tensions Between Expectations & Feasibility",
        "Human expectations typically manifest as projections of how the model should behave (R2, R3, R5, R7, R8, "
        "R12, R13, R14, R17), and balancing human expectations and feasibility was a recurring theme.",
        None,
        ("4.1",),
    ),
    PaperTheme(
        "4.1.1", "Users’ Expectations", "Concerns of user expectations troubled interviewees.", "4.1", ("4.1.1",)
    ),
    PaperTheme(
        "4.1.2",
        "Management’s Expectations",
        "Interviewees found communicating the limitations of ML to be challenging—especially with non-technical "
        "management (R2, R3, R8, R10, R12, R15).",
        "4.1",
        ("4.1.2",),
    ),
    PaperTheme(
        "4.1.3",
        "Predicting Performance and Cost",
        "The ML community is increasingly aware of model under-specification, one symptom of which is that training "
        "the same model multiple times on the same data results in different defects [13]. Practitioners—particularly "
        "in under-resourced environments—are patently aware of this challenge (R6, R13).",
        "4.1",
        ("4.1.3",),
    ),
    PaperTheme(
        "4.2",
        "“A Hotbed of Bias.” Efforts to Assess, Prevent, & Mitigate Bias",
        "Nearly every organization we interviewed expressed substantive concern over inadvertently deploying biased "
        "models (R1, R3, R4, R5, R7, R10, R11, R13, R14, R16, R17).",
        None,
        ("4.2",),
    ),
    PaperTheme(
        "4.2.1",
        "Bias Mitigation Through Diversity or Personalization",
        "A remarkably common mitigation attempt to alleviate bias was through the acquisition of sufficiently diverse "
        "data for model training and evaluation (R16, R5, R8, R10, R3, R13, and R14).",
        "4.2",
        ("4.2.1",),
    ),
    PaperTheme(
        "4.2.2",
        "Assessing Blind Spots",
        "A related concern is creating models which suffer from blind spots: undetected failures due to missing or "
        "biased data and inadequate test coverage.",
        "4.2",
        ("4.2.2",),
    ),
    PaperTheme(
        "4.2.3",
        "Deferred Responsibility",
        "Several interviewees expressed that biased models were a possibility, but that these models could still be "
        "deployed safely by leveraging a final barrier of human judgment (R8, R5, R13, R11, R14): when faced with an "
        "incorrect assessment, a human would be capable of overriding the model’s decision (R5, R8, R11) or disusing "
        "the model (R14).",
        "4.2",
        ("4.2.3",),
    ),
    PaperTheme(
        "4.3",
        "“You can poke and prod black box models, right?” Black Boxes & Overconfidence",
        "Practitioners had a broad swathe of opinions and strategies for managing, using, evaluating, and avoiding "
        "black box models.",
        None,
        ("4.3",),
    ),
    PaperTheme(
        "4.3.1",
        "Black Boxes, Explanations, & Transparency",
        "We instead found practitioner opinions on ML explanations vary widely.",
        "4.3",
        ("4.3.1",),
    ),
    PaperTheme(
        "4.3.2",
        "Efforts to Mitigate Overconfidence",
        "In our interviews, discussions of overconfidence did not focus on strategies for calibrating the confidence of "
        "models, as is trendy in research [21]. Instead, interviewees typically described user-facing mitigation "
        "strategies such as onboarding or uncertainty communication.",
        "4.3",
        ("4.3.2",),
    ),
    PaperTheme(
        "4.4",
        "“Data Literacy Is Not a Silver Bullet.” On Communication & Collaboration",
        "As documented in prior work, ML practitioners do not work in isolation [41]. Instead, their projects typically "
        "require collaborations with domain experts and other cross-functional collaborations.",
        None,
        ("4.4",),
    ),
    PaperTheme(
        "4.4.1",
        "Effective Communication",
        "Interviewees cited communication as the principle mechanism to reduce and mitigate the risks of using ML (R4, "
        "R5, R8, R7, R15, R10, R11, R14, R1).",
        "4.4",
        ("4.4.1",),
    ),
    PaperTheme(
        "4.4.2",
        "Institutional Knowledge",
        "We refer to this as institutional knowledge: information that exists across a team but is not recorded.",
        "4.4",
        ("4.4.2",),
    ),
    PaperTheme(
        "4.5",
        "“Experiment, Iterate, See We’re Getting Closer.” A Model Is Never Finished",
        "The life-cycle of a ML model requires continuous refinement.",
        None,
        ("4.5",),
    ),
    PaperTheme(
        "4.5.1",
        "Data Quality: Planning, Ingesting, & Cleaning",
        "In line with existing literature [22], we found that ML development is significantly hampered by challenges "
        "in data collection, management, and use.",
        "4.5",
        ("4.5.1",),
    ),
    PaperTheme(
        "4.5.2",
        "Many Methods of Evaluation",
        "No two companies had the same process, but every process involved multiple evaluation mechanisms.",
        "4.5",
        ("4.5.2",),
    ),
    PaperTheme(
        "4.5.3",
        "Model and Data Versioning",
        "Many interviewees desired better model and data versioning (R2, R15, R10, R5, R8, R7, R3, R13).",
        "4.5",
        ("4.5.3",),
    ),
    PaperTheme(
        "4.6",
        "“GDPR Doesn’t Affect Us.” Assessing Tensions Between Privacy & Growth",
        "Machine learning necessitates the collection and management of large data collections. As a consequence, "
        "recent legislation such as GDPR and the CCPA have broad implications for the discipline.",
        None,
        ("4.6",),
    ),
    PaperTheme(
        "4.6.1",
        "Government Regulation & Privacy Policy Impacts",
        "By and large, interviewees expressed that GDPR and other legislation had not impacted their work in any "
        "substantive capacity (R2, R9, R16, R10, R4, R8, R3, R11).",
        "4.6",
        ("4.6.1",),
    ),
    PaperTheme(
        "4.6.2",
        "Privacy Legislation is Insufficient",
        "A common sentiment was that privacy legislation continues to be insufficient to protect users.",
        "4.6",
        ("4.6.2",),
    ),
    PaperTheme(
        "4.6.3",
        "ML to Satisfy Regulators",
        "While we asked interviewees about how legislation changed their ML development and data practices, one "
        "interviewee explained that they instead used ML to respond to regulatory requirements (R7).",
        "4.6",
        ("4.6.3",),
    ),
]

EVERY_INTERVIEWEE = tuple(row[0] for row in PARTICIPANTS)

# Findings: each published quote supports the claim the paper presents it with (claims in the
# "Discussion" sub-sections sit under their overarching theme). Claims with no published quote are
# left out: a finding here is always backed by the interviewees' own words.
FINDINGS: list[PaperFinding] = [
    PaperFinding(
        "4.1.1",
        "4.1.1",
        "R8 similarly described experiencing “the big pushback” when attempting to balance expected user behavior, "
        "convenience, and the inherent opaqueness of external, proprietary models and APIs. They considered "
        "proprietary models like Amazon’s AWS tooling to be “good products,” if “a lot of black box work.”",
        ("R8",),
        (("R8", "the big pushback"), ("R8", "good products"), ("R8", "a lot of black box work.")),
        (
            "R8 struggled to balance meeting the users’ expectations—for which these proprietary tools are often "
            "helpful—with the desire to audit, debug, and maintain control of their software.",
        ),
    ),
    PaperFinding(
        "4.1.2",
        "4.1.2",
        "Interviewees found communicating the limitations of ML to be challenging—especially with non-technical "
        "management (R2, R3, R8, R10, R12, R15). For example, R3 described a situation in which management identified "
        "a seemingly common pattern, but their ML team found themselves unable to extract this “data story” given "
        "their available resources.",
        ("R2", "R3", "R8", "R10", "R12", "R15"),
        (("R3", "data story"),),
        (
            "In practice, R3’s team was unable to extract this distinctive trajectory from their data, disappointing "
            "leadership.",
        ),
    ),
    PaperFinding(
        "4.1.2",
        "4.1.2",
        "Some interviewees (R3, R10, R12, R8) regarded strong leadership or stakeholder intuition as a warning sign "
        "when employing ML tools and techniques. These interviewees found the combination of low data literacy and "
        "strong intuition to be most concerning, and remarkably common in both startups and non-tech companies.",
        ("R3", "R10", "R12", "R8"),
        (("R12", "CEOs and executives don’t really understand what it takes [to develop and deploy ML]"),),
        (
            "As R12 explained, “CEOs and executives don’t really understand what it takes [to develop and deploy ML],” "
            "particularly outside tech-first organizations.",
        ),
    ),
    PaperFinding(
        "4.1.3",
        "4.1.3",
        "In response to these challenges in developing models and predicting ML development costs, many interviewees "
        "(R6, R7, R9, R15, R12, R14) simply wondered whether deploying ML models was worth the trouble at all. One "
        "interviewee (R7) had concluded it was not.",
        ("R6", "R7", "R9", "R15", "R12", "R14"),
        (
            ("R7", "I don’t have any worries about automating the quality checks"),
            (
                "R7",
                "we’ll never have the density of data to really automate some of these things... the ROI [Return On "
                "Investment] on automation might be low.",
            ),
        ),
        (
            "In reference to their work in real estate they stated, “I don’t have any worries about automating the "
            "quality checks,” but “we’ll never have the density of data to really automate some of these things... the "
            "ROI [Return On Investment] on automation might be low.” After extensive preliminary development, R7 came to believe that human intuition and domain knowledge was "
            "irreplaceable—models make predictions based on known prior behavior, but domains like urban property "
            "appraisals are inconsistent, constantly fluctuating based on ever-changing human priorities.",
        ),
    ),
    PaperFinding(
        "4.2",
        "4.2",
        "Nearly every organization we interviewed expressed substantive concern over inadvertently deploying biased "
        "models (R1, R3, R4, R5, R7, R10, R11, R13, R14, R16, R17). R11 stated this to be the “biggest business "
        "concern” for companies incorporating ML, and other interviewees shared similar sentiments (R16, R17).",
        ("R1", "R3", "R4", "R5", "R7", "R10", "R11", "R13", "R14", "R16", "R17"),
        (("R11", "biggest business concern"),),
        (
            "Yet strategies for uncovering and mitigating bias and its impacts were consistently underdeveloped, pointing "
            "to the potency of this problem.",
        ),
    ),
    PaperFinding(
        "4.2.4",
        "4.2",
        "This apathy was exacerbated when practitioners relied on humans to arbitrate decisions. R5 explained that "
        "blind spots were “low risk,” with bad outcomes resulting in a “$300 procedure instead of a $50-60 "
        "procedure,” but the person receiving this treatment might not agree.",
        ("R5",),
        (("R5", "low risk"), ("R5", "$300 procedure instead of a $50-60 procedure")),
        (
            "While many interviewees expressed concern for the broader implications of their work (R1, R2, R3, R10, R11, "
            "R13, R14, R17), several did not (R9, R6, R8, R12, R5).",
        ),
    ),
    PaperFinding(
        "4.3.1",
        "4.3.1",
        "We found ambivalence to be a common sentiment toward using black box models, particularly when the perceived "
        "potential for harm was low (R2, R3, R5, R1, R13, R6).",
        ("R2", "R3", "R5", "R1", "R13", "R6"),
        (
            ("R2", "don’t mind the unknown of black box"),
            ("R2", "do mind if it causes harm."),
            (
                "R1",
                "From an ethical perspective, I don’t think one should write a model if they have no idea how to tell "
                "when something goes wrong.",
            ),
        ),
        (
            "For example, R2 stated they “don’t mind the unknown of black box,” though they “do mind if it causes harm.” "
            "R5 stated explanations were not necessary as their product only supports a human in diagnosis—so, again, "
            "the black box is low risk. Similarly, R1 felt little concern using black box models, with the caveat that "
            "“From an ethical perspective, I don’t think one should write a model if they have no idea how to tell when "
            "something goes wrong.”",
        ),
    ),
    PaperFinding(
        "4.3.1",
        "4.3.1",
        "In addition, R4 and R10 desired classic ML explanations.",
        ("R4", "R10"),
        (("R10", "nobody wants a black box model."),),
        (
            "R4 wanted to provide explanations to help users assess predictions, believing this especially necessary for "
            "calibrating trust. For internal interpretability use, R4 had implemented LIME [46] and feature importance "
            "methods, but found these explanation methods unhelpful for their end users. R10 also desired explanations, "
            "stating “nobody wants a black box model.” As an intermediate solution, R10—a consulting company—relied on "
            "Shapley Values [49] to increase customer trust, though they noted it was not an ideal solution.",
        ),
        (("lime", "LIME"), ("feature-importance", "feature importance"), ("shapley-values", "Shapley Values")),
    ),
    PaperFinding(
        "4.3.2",
        "4.3.2",
        "To do so, R4 collaborated with designers to explore better presentation of uncertainty and curated model "
        "explanations. In working with these designers, they expressed a desire to present information in a "
        "“non-definitive way.”",
        ("R4",),
        (("R4", "non-definitive way."),),
        (
            "In contrast to R5’s approach of relying on onboarding to mitigate overconfidence, R4 sought methods to "
            "continuously calibrate user trust and understanding.",
            "Presenting information in a non-definitive way has more promise, but uncertainty communication remains a "
            "well studied yet unsolved problem [14, 39].",
        ),
        (("trust-calibration", "calibrate user trust"), ("uncertainty", "uncertainty communication")),
    ),
    PaperFinding(
        "4.3.3",
        "4.3",
        "While these companies were willing to use these black box models as a supporting measure—particularly for "
        "things humans are bad at, like repetitive tasks (R13)—they were not willing to substitute ML in place of "
        "human intuition. R7 explained, “I don’t have any worries about automating the quality checks.” However, "
        "they also said this of their higher risk property assessment use case: “the value of something is not "
        "objective. If you had a perfect algorithm for what something is worth, but then someone buys it for three "
        "times as much, then that’s what it’s worth.” According to R7, no amount of transparency could make these "
        "techniques sufficiently safe in this context—they would always be conducted by a human.",
        ("R13", "R7"),
        (
            ("R7", "I don’t have any worries about automating the quality checks"),
            (
                "R7",
                "the value of something is not objective. If you had a perfect algorithm for what something is worth, "
                "but then someone buys it for three times as much, then that’s what it’s worth.",
            ),
        ),
    ),
    PaperFinding(
        "4.4",
        "4.4",
        "Every interviewee raised effective communication as critical to their work, and R3 described this simply as "
        "“really tough.”",
        EVERY_INTERVIEWEE,
        (("R3", "really tough."),),
        (
            "Despite the impactfulness of effective communication, best practices were never codified, and instead "
            "comprised of unwritten institutional knowledge and “water cooler talk” (R1).",
        ),
    ),
    PaperFinding(
        "4.4.1",
        "4.4.1",
        "Several interviewees discussed data literacy as a bottleneck to effective communication (R8, R10, R14).",
        ("R8", "R10", "R14"),
        (
            (
                "R8",
                "A couple people in the company have a narrative in their head already, and if the analytics don’t "
                "support that narrative, they don’t want anything to do with those analytics.",
            ),
        ),
        (
            "R8 discussed how mismatches between human expectations of business narratives and the analytics led to "
            "data insights being ignored: “A couple people in the company have a narrative in their head already, and "
            "if the analytics don’t support that narrative, they don’t want anything to do with those analytics.”",
            "When stakeholders do not understand the metrics, they also do not trust the output—resulting in wasted "
            "effort (R8, R14).",
        ),
    ),
    PaperFinding(
        "4.4.2",
        "4.4.2",
        "This evolving awareness affects data collection and model iteration but is typically shared person-to-person, "
        "not systematically. For example, R10 tracked large data and model changes through “informal discussions,” "
        "while R8 ran scripts on an ad-hoc basis to check for data quality errors they noticed over time.",
        ("R10", "R8"),
        (("R10", "informal discussions"),),
        ("These insights were rarely documented, but were often embedded in code and shared through conversations.",),
    ),
    PaperFinding(
        "4.5",
        "4.5",
        "Practitioners’ response to challenges in planning, iterating, and evaluating are varied and often reactive. "
        "These responses are best characterized by what one interviewee called a “lack of best practices in "
        "training” (R11).",
        ("R11",),
        (("R11", "lack of best practices in training"),),
    ),
    PaperFinding(
        "4.5.1",
        "4.5.1",
        "Because of this open question, practitioners often developed a reliance on a subset of trusted data (R12, "
        "R17, R9, R3, R14, R6). R3 explained that they scoped their recommendations based on the quality and "
        "consistency of the available data.",
        ("R12", "R17", "R9", "R3", "R14", "R6"),
        (
            (
                "R3",
                "it affects the models, because every bit of data you have is fragmented across hard-to-reconcile "
                "records.",
            ),
        ),
        (
            "They tried adding recommendations for brands with worse data cleanliness, but “it affects the models, "
            "because every bit of data you have is fragmented across hard-to-reconcile records.” They were not willing to "
            "take on the risks that messier data introduced to their recommendations.",
        ),
    ),
    PaperFinding(
        "4.5.2",
        "4.5.2",
        "Above all else, extensive manual evaluation using hand-selected test cases was key to these strategies (R7, "
        "R16, R4, R8, R5, R17, R3, R13, R11R1). This first evaluation step was described as “weak but useful” by R3.",
        ("R7", "R16", "R4", "R8", "R5", "R17", "R3", "R13", "R11", "R1"),
        (("R3", "weak but useful"),),
    ),
    PaperFinding(
        "4.5.3",
        "4.5.3",
        "Still, versioning remained elusive, and R17 explained their company was “too early” to invest in it.",
        ("R17",),
        (("R17", "too early"),),
    ),
    PaperFinding(
        "4.5.3",
        "4.5.3",
        "Four companies (R1, R4, R13, R8) did extensive model versioning. R1 included complete versioning of all the "
        "“data that went in, and the code as well” as a component of their evaluation pipeline.",
        ("R1", "R4", "R13", "R8"),
        (("R1", "data that went in, and the code as well"),),
    ),
    PaperFinding(
        "4.5.3",
        "4.5.3",
        "Metadata is critical for evaluating data, directing modeling iteration, documenting changes, and "
        "retroactively incorporating data and model versioning (R14, R1, R12, R2, R3).",
        ("R14", "R1", "R12", "R2", "R3"),
        (
            ("R14", "what worked within a dataset"),
            ("R14", "things that are taken care of as the project is going on."),
            ("R1", "metadata considerations."),
            ("R12", "what metadata do I need to make sure this product matches the end description?"),
        ),
        (
            "R14 explained they relied on metadata to identify “what worked within a dataset” as metadata can reflect "
            "“things that are taken care of as the project is going on.” Similarly, R1 relied on metadata to inform their "
            "work, even training overnight based on “metadata considerations.” When creating groundtruth, R12 explained "
            "their central question is, “what metadata do I need to make sure this product matches the end "
            "description?”",
        ),
    ),
    PaperFinding(
        "4.5.4",
        "4.5",
        "More mature teams (R6, R10, R14, R1) emphasized the fleeting lifespan of models and encouraged team members "
        "to prioritize frequent retraining, minimally complex models, and a willingness to “throw it out” (R6).",
        ("R6", "R10", "R14", "R1"),
        (("R6", "throw it out"),),
    ),
    PaperFinding(
        "4.6.1",
        "4.6.1",
        "One interviewee (R1) described how their company responded to GDPR by extensively changing their data "
        "handling practices, devoting over six months of engineering time to ensuring compliance.",
        ("R1",),
        (("R1", "a pain in the ass"),),
        (
            "While they bemoaned that deletion requests do come in, and are “a pain in the ass,” the interviewee explained "
            "that the process of adopting GDPR compliance in data handling had actually been immensely beneficial to the "
            "company. GDPR forced their company to develop better awareness of and practices for handling data, and this "
            "re-evaluation increased their overall data competencies. Despite implementing these extensive changes to "
            "data handling, R1 nonetheless remained unconcerned with any notion of a “right to an explanation.”",
        ),
        (("gdpr", "GDPR"), ("right-to-explanation", "right to an explanation")),
    ),
    PaperFinding(
        "4.6.2",
        "4.6.2",
        "Interviewees often felt it necessary to implement their own policies and tooling beyond any requirements "
        "(R17, R16, R13, R3, R6). In the absence of stronger privacy legislation, companies aspired to act “without "
        "malcontent whenever possible” (R3).",
        ("R17", "R16", "R13", "R3", "R6"),
        (("R3", "without malcontent whenever possible"),),
    ),
    PaperFinding(
        "4.6.4",
        "4.6",
        "Organizations (R16, R17, R13, R2, R3, R6) continue to self-moderate ideas of “acting without malcontent” "
        "(R2)—analogous to Google’s antiquated motto of “Don’t be evil.”",
        ("R16", "R17", "R13", "R2", "R3", "R6"),
        (("R2", "acting without malcontent"),),
        (
            "These organizations experience tensions between their desires to sustain and grow their businesses, and to "
            "protect user interests.",
        ),
    ),
]
