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


# The paper publishes no interview transcripts or quotes by participant; its own prose describes how
# organizations deployed each technique (the section "Deploying local explainability", §4) and what
# data scientists asked for (the "Summary of findings", §3). Each passage is copied verbatim from the
# seed text, which lost its punctuation, digits, symbols and a few letters in extraction (the
# insurance organization's letter among them): it is kept as it is, not repaired. Loaded as one
# document that says so (loader.load_paper_passages).
CASES_TITLE = "Published case descriptions (Bhatt et al. 2020, §3–4)"
CASES_NOTE = (
    "Not a transcript: the paper's own text. Each turn is the authors' description of one organization's "
    "use of an explainability technique (§4, Deploying local explainability) or of what data scientists "
    "asked for (§3, Summary of findings), copied verbatim from the seed text of the paper, whose extraction "
    "lost punctuation, numbers, symbols and a few letters; nothing was repaired."
)
# (speaker label as the paper names the case, section and its headings, verbatim passage)
CASE_DESCRIPTIONS: list[tuple[str, str, str]] = [
    (
        "Group 1 data scientists",
        "§3 Explainability needs: Model monitoring",
        (
            "Several individuals worry about drift in the feature and prediction distributions after deployment "
            "Ideally they would like to be alerted when there is a significant drift relative to the training "
            "distribution One organization would like explanations for how drift in feature distributions would "
            "impact model outcomes and feature contribution to the model We can compute how much each feature is "
            "drifting but we want to cross-reference this with which features are impacting the model a lot"
        ),
    ),
    (
        "Financial institutions",
        "§3 Explainability needs: Model audit",
        (
            "Explainability is viewed as a tool for evaluating the soundness of the model on various data points "
            "Financial institutions would like to conduct sensitivity analyses checking the impact of small "
            "changes to inputs on model outputs Unexpectedly large changes in outputs can indicate an unstable "
            "model"
        ),
    ),
    (
        "Organization A",
        "§4 Feature importance: Shapley values in practice",
        (
            "Organization A works with financial institutions and helps explain models for credit risk analysis "
            "To integrate into the existing ML workflow of these institutions Organization A proceeds as follows "
            "They let data scientists train a model to the desired accuracy Note that Organization A focuses "
            "mostly on models trained on tabular data though they are beginning to venture into unstructured data"
            " ie language and images During model validation risk analysts conduct stress tests before deploying "
            "the model to loan officers and other decisionmakers After decision-makers vet the model outputs as a"
            " sanity check and decide whether or not to override the model output Organization A generates "
            "Shapley value explanations Before launching the model risk analysts are asked to review the Shapley "
            "value explanations to ensure that the model exhibits expected behavior ie the model uses the same "
            "features that a human would for the same task Notably the customer support team at these "
            "institutions can also use these explanations to provide individuals information about what went into"
            " the decision-making process for their loan approval or cash distribution decision They are shown "
            "the percentage contribution to the model output the positive norm of the Shapley value explanation "
            "along with the sign of contribution This means that the explanation would be along the lines of of "
            "the decision was decided by your age which positively correlated with the predicted outcome When "
            "comparing Shapley value explanations to other popular feature importance techniques Organization A "
            "found that in practice LIME explanations give unexpected explanations that do not align with human "
            "intuition Recent work shows that the fragility of LIME explanations can be traced to the sampling "
            "variance when explaining a singular data point and to the explanation sensitivity to sample size and"
            " sampling proximity Though decision-makers have access to the feature-importance explanations end "
            "users are still not shown these explanations as reasoning for model output Organization A aspires to"
            " eventually provide this explanation to end users For gradient-based language models Organization A "
            "uses Integrated Gradients related to Shapley Values by Sundararajan et al to flag malicious reviews "
            "and moderate content at the aforementioned institutions This information can be highlighted to "
            "ensure the trustworthiness and transparency of the model to the decision maker the hired content "
            "moderator here since they can now see which word was most important to flag the content Going "
            "forward Organization A intends to use a global variant of the Shapley value explanations by exposing"
            " how Shapley value explanations work on average for datapoints of a particular predicted class eg on"
            " average someone who was denied a loan had their age matter most for the prediction This global "
            "explanation would help risk analysts get a birds-eye view of how a model behaves and whether it "
            "aligns with their expectations"
        ),
    ),
    (
        "Organization B",
        "§4 Feature importance: Heatmaps in transportation",
        (
            "Organization B looks to detect facial expressions from video feeds of users driving They hope to use"
            " explainability to identify the actions a user is performing while the user drives Organization B "
            "has tried feature visualization and activation visualization techniques that get attributions by "
            "back-propagating gradients to regions of interest Specifically they use these probabilistic "
            "Winner-Take-All techniques variants of existing gradient-based feature importance techniques to "
            "localize the region of importance in the input space for a particular classification task For "
            "example when detecting a smile they expect the mouth of the driver to be important Though none of "
            "these desired techniques have been deployed for the end user the driver in this case ML engineers at"
            " Organization B found these techniques useful for qualitative review On tiny datasets engineers can "
            "figure out which scenarios have false positives videos falsely detected to contain smiles and why "
            "They can also identify if true positives are paying attention to the right place or if there is a "
            "problem with spurious artifacts However while trying to understand why the model erred by analyzing "
            "similarities in false positives they have struggled to scale this local technique across heatmaps in"
            " aggregate across multiple videos They are able to qualitatively evaluate a sequence of heatmaps for"
            " one video but doing so across M frames simultaneously is far more difficult Paraphrasing the VP of "
            "AI at Organization B aggregating saliency maps across videos is moot and contains little information"
        ),
    ),
    (
        "Organization C",
        "§4 Counterfactual explanations in healthcare",
        (
            "Organization C uses a faster version of the formulation in Sharma et al to find counterfactual "
            "explanations for projects in healthcare When people apply for Medicare Organization C hopes to flag "
            "if a users application has errors and to provide explanations on how to correct the errors Moreover "
            "ML engineers can use the robustness score to compare different models trained using this data this "
            "robustness score is effectively a suitably normalized and averaged distance between the "
            "counterfactual and original point in Euclidean space The original formulation makes use of a slower "
            "genetic algorithm so they optimized the counterfactual explanation generation process They are "
            "currently developing a first-of-its-kind application that can directly take in any black-box model "
            "and data and return a robustness score fairness measure and counterfactual explanations all from a "
            "single underlying algorithm The use of this approach has several advantages it can be applied to "
            "black-box models works for any input data type and generates multiple explanations in a single run "
            "of the algorithm However there are some shortcomings that Organization C is addressing One challenge"
            " of counterfactual models is that the counterfactual might not be feasible Organization C addresses "
            "this by using the training data to guide the counterfactual generation process and by providing a "
            "user interface that allows domain experts to specify constraints In addition the flexibility of the "
            "counterfactual approach comes with a drawback that is common among explanations for black-box models"
            " there is no guarantee of the optimality of the explanation since black-box techniques cannot "
            "guarantee optimality Through the creation of a deployed solution for this method the organization "
            "realized that clients would ideally want an explainability score along with a measure of fairness "
            "and robustness as such they have developed an explainability score that can be used to compare the "
            "explainability of different models"
        ),
    ),
    (
        "Organization D",
        "§4 Adversarial training: Image content moderation",
        (
            "Organization D moderates user-generated content UGC on several public platforms Specifically the RD "
            "team at Organization D developed several models to detect adult and violent content from users "
            "uploaded images Their quality assurance QA team measures model robustness to improve content "
            "detection accuracy under the threat of adversarial examples The robustness of a content moderation "
            "model is measured by the minimum perturbations required for an image to evade detection"
        ),
    ),
    (
        "Organization D",
        "§4 Adversarial training: Image content moderation",
        (
            "ML engineers on the QA team are shown a ℓ-norm perturbation distance averaged over n test images "
            "randomly sampled from the test dataset The larger the average perturbation the more robust the model"
            " is as it takes greater effort for an attacker to evade detection The average perturbation required "
            "is also widely used as a metric when comparing different candidate models and different versions of "
            "a given model Organization D finds that more robust models have more convincing gradient-based "
            "explanations ie the gradient of the output with respect to the input shows that the model is "
            "focusing on relevant portions of the images confirming recent research"
        ),
    ),
    (
        "Organization E",
        "§4 Adversarial training: Text content moderation",
        (
            "Organization E uses text content moderation algorithms on its UGC platforms such as forums Its QA "
            "team is responsible for the reliability and robustness of a sentiment analysis model which labels "
            "posts as positive or negative trained on UGC The QA team seeks to find the minimum perturbation "
            "required to change the classification of a post In particular they want to know how to take "
            "misclassified posts eg negative ones classified as positive and change them to the correct class"
        ),
    ),
    (
        "Organization E",
        "§4 Adversarial training: Text content moderation",
        (
            "In practice to find the minimum distance in embedding space Organization E chooses to iteratively "
            "modify the words in the original post starting from the words with the highest importance Here "
            "importance is defined as the gradient of the model output with respect to a particular word"
        ),
    ),
    (
        "Organization E",
        "§4 Adversarial training: Text content moderation",
        (
            "This procedure ranks the words by their impact on the sentiment analysis results The QA team then "
            "applies a set of transformations/perturbations to the most important words to find the minimum "
            "number of important words that must be perturbed in order to flip an sentiment analysis API result"
        ),
    ),
    (
        "Organization (insurance)",
        "§4 Influential samples: Influence functions in insurance",
        (
            "Organization uses influence functions to explain risk models in the insurance industry They hope to "
            "identify which customers might see an increase in their premiums based on their driving history in "
            "the past The organization hopes to divulge to the end user how the premiums for drivers similar to "
            "them are priced In other words they hope to identify the influential training data points to "
            "understand which past drivers had the greatest influence on the prediction for the observed driver "
            "Unfortunately Organization has struggled to provide this information to end users since the Hessian "
            "computation has made doing so impractical since the latency is high More pressingly even when "
            "Organization lets the influence function procedure run they find that many influential data points "
            "are simply outliers that are important for all drivers since those anomalous drivers are far out of "
            "distribution As a result instead of identifying which drivers are most similar to a given driver the"
            " influential sample explanation identifies drivers that are very different from any driver ie "
            "outliers While this is could in theory be useful for outlier detection it prevents the explanations "
            "from being used in practice"
        ),
    ),
]
