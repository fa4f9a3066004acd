"""Hopkins & Booth 2021: participant table (Table 1), published quotes, interview outlines.

Transcribed from the paper and its supplementary material (../shared/seeds/). Each quote is verbatim
(markdown emphasis and escapes removed) and attributed to the interviewee the paper names; the
section number says where the paper reports it, which the starter codebook follows.
"""

from __future__ import annotations

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
