"""Plain-language guides to the techniques the sandbox demonstrates, for the researchers who cite them.

`explainers.techniques` is the vocabulary the recogniser matches and stores results against, so its
one-sentence descriptions cannot grow without invalidating stored mentions; the longer explanation a
technique page needs (issue 12: what the technique answers, its known limits, where it comes from)
lives here instead, keyed by the same slugs and read only by the page.

Each guide is written for a qualitative researcher, not an engineer: `answers` says what question the
technique answers about a model (which feature, which training point, what minimal change) and what its
output means; `limits` says where it misleads. `sources` names the original paper(s) and the critiques
the limits rest on. `seed_note` says what the study's seed papers (/work/shared/seeds: Bhatt et al. 2020,
Hopkins & Booth 2021, Lipton 2016, Hong et al. 2020) report about the technique. The notes paraphrase
what those texts say; the few quotation marks enclose words copied from them. The stored Hong, Hullman &
Bertini text is only the project page (its results are placeholders), so Hong et al. is cited only where
Hopkins & Booth summarise it, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Guide:
    answers: str
    limits: str
    sources: tuple[str, ...]
    seed_note: str


# --- sources cited by more than one guide ------------------------------------------------------------
SHAPLEY_1953 = "Shapley 1953, A Value for n-Person Games (Contributions to the Theory of Games II)"
LUNDBERG_LEE = "Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions (NeurIPS 2017)"
LUNDBERG_TREES = (
    "Lundberg et al. 2020, From Local Explanations to Global Understanding with Explainable AI for Trees "
    "(Nature Machine Intelligence 2)"
)
STRUMBELJ = (
    "Štrumbelj & Kononenko 2014, Explaining Prediction Models and Individual Predictions with Feature "
    "Contributions (Knowledge and Information Systems 41)"
)
AAS = (
    "Aas, Jullum & Løland 2021, Explaining Individual Predictions When Features Are Dependent "
    "(Artificial Intelligence 298)"
)
KUMAR_SHAPLEY = (
    "Kumar, Venkatasubramanian, Scheidegger & Friedler 2020, Problems with Shapley-value-based "
    "Explanations as Feature Importance Measures (ICML 2020)"
)
RIBEIRO = (
    "Ribeiro, Singh & Guestrin 2016, “Why Should I Trust You?”: Explaining the Predictions of Any Classifier (KDD 2016)"
)
ALVAREZ = "Alvarez-Melis & Jaakkola 2018, On the Robustness of Interpretability Methods (ICML WHI 2018)"
GARREAU = "Garreau & von Luxburg 2020, Explaining the Explainers: A First Theoretical Analysis of LIME (AISTATS 2020)"
SLACK = "Slack et al. 2020, Fooling LIME and SHAP: Adversarial Attacks on Post hoc Explanation Methods (AIES 2020)"
BREIMAN_RF = "Breiman 2001, Random Forests (Machine Learning 45)"
FISHER = "Fisher, Rudin & Dominici 2019, All Models are Wrong, but Many are Useful (JMLR 20)"
HOOKER_PERM = "Hooker, Mentch & Zhou 2021, Unrestricted Permutation Forces Extrapolation (Statistics and Computing 31)"
SUNDARARAJAN = "Sundararajan, Taly & Yan 2017, Axiomatic Attribution for Deep Networks (ICML 2017)"
STURMFELS = "Sturmfels, Lundberg & Lee 2020, Visualizing the Impact of Feature Attribution Baselines (Distill)"
SIMONYAN = (
    "Simonyan, Vedaldi & Zisserman 2014, Deep Inside Convolutional Networks: Visualising Image "
    "Classification Models and Saliency Maps (ICLR Workshop 2014)"
)
BAEHRENS = "Baehrens et al. 2010, How to Explain Individual Classification Decisions (JMLR 11)"
ADEBAYO = "Adebayo et al. 2018, Sanity Checks for Saliency Maps (NeurIPS 2018)"
GHORBANI = "Ghorbani, Abid & Zou 2019, Interpretation of Neural Networks is Fragile (AAAI 2019)"
KINDERMANS = "Kindermans et al. 2019, The (Un)reliability of Saliency Methods (Explainable AI, LNCS 11700)"
ANCONA = (
    "Ancona, Ceolini, Öztireli & Gross 2018, Towards Better Understanding of Gradient-based Attribution "
    "Methods for Deep Neural Networks (ICLR 2018)"
)
WACHTER = (
    "Wachter, Mittelstadt & Russell 2017, Counterfactual Explanations without Opening the Black Box: "
    "Automated Decisions and the GDPR (Harvard Journal of Law & Technology 31)"
)
MOTHILAL = (
    "Mothilal, Sharma & Tan 2020, Explaining Machine Learning Classifiers through Diverse Counterfactual "
    "Explanations (FAT* 2020)"
)
SHARMA = (
    "Sharma, Henderson & Ghosh 2020, CERTIFAI: A Common Framework to Provide Explanations and Analyse the "
    "Fairness and Robustness of Black-box Models (AIES 2020)"
)
USTUN = "Ustun, Spangher & Liu 2019, Actionable Recourse in Linear Classification (FAT* 2019)"
KARIMI = (
    "Karimi, Schölkopf & Valera 2021, Algorithmic Recourse: from Counterfactual Explanations to "
    "Interventions (FAccT 2021)"
)
BAROCAS = (
    "Barocas, Selbst & Raghavan 2020, The Hidden Assumptions Behind Counterfactual Explanations and "
    "Principal Reasons (FAT* 2020)"
)
MILLER = "Miller 2019, Explanation in Artificial Intelligence: Insights from the Social Sciences (Artificial Intelligence 267)"
SZEGEDY = "Szegedy et al. 2014, Intriguing Properties of Neural Networks (ICLR 2014)"
GOODFELLOW = "Goodfellow, Shlens & Szegedy 2015, Explaining and Harnessing Adversarial Examples (ICLR 2015)"
MADRY = (
    "Madry, Makelov, Schmidt, Tsipras & Vladu 2018, Towards Deep Learning Models Resistant to Adversarial "
    "Attacks (ICLR 2018)"
)
CARLINI = "Carlini & Wagner 2017, Towards Evaluating the Robustness of Neural Networks (IEEE S&P 2017)"
TSIPRAS = "Tsipras et al. 2019, Robustness May Be at Odds with Accuracy (ICLR 2019)"
JIN = (
    "Jin, Jin, Zhou & Szolovits 2020, Is BERT Really Robust? A Strong Baseline for Natural Language Attack "
    "on Text Classification and Entailment (AAAI 2020)"
)
LI_TEXTBUGGER = (
    "Li, Ji, Du, Li & Wang 2019, TextBugger: Generating Adversarial Text Against Real-world Applications (NDSS 2019)"
)
KOH_LIANG = "Koh & Liang 2017, Understanding Black-box Predictions via Influence Functions (ICML 2017)"
BASU = "Basu, Pope & Feizi 2021, Influence Functions in Deep Learning Are Fragile (ICLR 2021)"
COOK = "Cook 1977, Detection of Influential Observation in Linear Regression (Technometrics 19)"
PREGIBON = "Pregibon 1981, Logistic Regression Diagnostics (Annals of Statistics 9)"
CARUANA_1999 = (
    "Caruana, Kangarloo, Dionisio, Sinha & Johnson 1999, Case-based Explanation of Non-case-based "
    "Learning Methods (AMIA Symposium 1999)"
)
KIM_MMD = (
    "Kim, Khanna & Koyejo 2016, Examples are not Enough, Learn to Criticize! Criticism for "
    "Interpretability (NeurIPS 2016)"
)
BIEN = "Bien & Tibshirani 2011, Prototype Selection for Interpretable Classification (Annals of Applied Statistics 5)"
COVER_HART = "Cover & Hart 1967, Nearest Neighbor Pattern Classification (IEEE Transactions on Information Theory 13)"
FRIEDMAN = "Friedman 2001, Greedy Function Approximation: A Gradient Boosting Machine (Annals of Statistics 29)"
GOLDSTEIN = (
    "Goldstein, Kapelner, Bleich & Pitkin 2015, Peeking Inside the Black Box: Visualizing Statistical "
    "Learning with Plots of Individual Conditional Expectation (Journal of Computational and Graphical "
    "Statistics 24)"
)
APLEY = (
    "Apley & Zhu 2020, Visualizing the Effects of Predictor Variables in Black Box Supervised Learning "
    "Models (Journal of the Royal Statistical Society B 82)"
)
CRAVEN = "Craven & Shavlik 1996, Extracting Tree-Structured Representations of Trained Networks (NeurIPS 1995)"
HINTON_DISTIL = "Hinton, Vinyals & Dean 2015, Distilling the Knowledge in a Neural Network (arXiv:1503.02531)"
BUCILUA = "Buciluǎ, Caruana & Niculescu-Mizil 2006, Model Compression (KDD 2006)"
TIBSHIRANI = (
    "Tibshirani 1996, Regression Shrinkage and Selection via the Lasso (Journal of the Royal Statistical Society B 58)"
)
CART = "Breiman, Friedman, Olshen & Stone 1984, Classification and Regression Trees (Wadsworth)"
RUDIN = (
    "Rudin 2019, Stop Explaining Black Box Machine Learning Models for High Stakes Decisions and Use "
    "Interpretable Models Instead (Nature Machine Intelligence 1)"
)
LOU = "Lou, Caruana & Gehrke 2012, Intelligible Models for Classification and Regression (KDD 2012)"
SR_11_7 = (
    "Board of Governors of the Federal Reserve System 2011, SR 11-7: Supervisory Guidance on Model Risk Management"
)
SALTELLI = "Saltelli et al. 2008, Global Sensitivity Analysis: The Primer (Wiley)"
GUO = "Guo, Pleiss, Sun & Weinberger 2017, On Calibration of Modern Neural Networks (ICML 2017)"
NICULESCU = "Niculescu-Mizil & Caruana 2005, Predicting Good Probabilities with Supervised Learning (ICML 2005)"
NAEINI = "Naeini, Cooper & Hauskrecht 2015, Obtaining Well Calibrated Probabilities Using Bayesian Binning (AAAI 2015)"
KUMAR_CAL = "Kumar, Liang & Ma 2019, Verified Uncertainty Calibration (NeurIPS 2019)"
OVADIA = (
    "Ovadia et al. 2019, Can You Trust Your Model's Uncertainty? Evaluating Predictive Uncertainty under "
    "Dataset Shift (NeurIPS 2019)"
)
KENDALL_GAL = (
    "Kendall & Gal 2017, What Uncertainties Do We Need in Bayesian Deep Learning for Computer Vision? (NeurIPS 2017)"
)
LAKSHMINARAYANAN = (
    "Lakshminarayanan, Pritzel & Blundell 2017, Simple and Scalable Predictive Uncertainty Estimation "
    "using Deep Ensembles (NeurIPS 2017)"
)
BHATT_UNCERTAINTY = (
    "Bhatt et al. 2021, Uncertainty as a Form of Transparency: Measuring, Communicating, and Using "
    "Uncertainty (AIES 2021)"
)
LEE_SEE = "Lee & See 2004, Trust in Automation: Designing for Appropriate Reliance (Human Factors 46)"
PARASURAMAN = "Parasuraman & Riley 1997, Humans and Automation: Use, Misuse, Disuse, Abuse (Human Factors 39)"
ZHANG_TRUST = (
    "Zhang, Liao & Bellamy 2020, Effect of Confidence and Explanation on Accuracy and Trust Calibration in "
    "AI-Assisted Decision Making (FAT* 2020)"
)
PEARSON = "Pearson 1901, On Lines and Planes of Closest Fit to Systems of Points in Space (Philosophical Magazine 2)"
HOTELLING = "Hotelling 1933, Analysis of a Complex of Statistical Variables into Principal Components (Journal of Educational Psychology 24)"
VDMAATEN = "van der Maaten & Hinton 2008, Visualizing Data using t-SNE (JMLR 9)"
WATTENBERG = "Wattenberg, Viégas & Johnson 2016, How to Use t-SNE Effectively (Distill)"
QUINONERO = (
    "Quiñonero-Candela, Sugiyama, Schwaighofer & Lawrence (eds.) 2009, Dataset Shift in Machine Learning (MIT Press)"
)
GAMA = "Gama, Žliobaitė, Bifet, Pechenizkiy & Bouchachia 2014, A Survey on Concept Drift Adaptation (ACM Computing Surveys 46)"
RABANSER = (
    "Rabanser, Günnemann & Lipton 2019, Failing Loudly: An Empirical Study of Methods for Detecting "
    "Dataset Shift (NeurIPS 2019)"
)
SCULLEY = "Sculley et al. 2015, Hidden Technical Debt in Machine Learning Systems (NeurIPS 2015)"
BRECK = "Breck, Cai, Nielsen, Salib & Sculley 2017, The ML Test Score: A Rubric for ML Production Readiness (IEEE Big Data 2017)"
DOSHI_VELEZ = "Doshi-Velez & Kim 2017, Towards A Rigorous Science of Interpretable Machine Learning (arXiv:1702.08608)"
GUIDOTTI = "Guidotti et al. 2018, A Survey of Methods for Explaining Black Box Models (ACM Computing Surveys 51)"
WEXLER = "Wexler et al. 2019, The What-If Tool: Interactive Probing of Machine Learning Models (IEEE VIS 2019)"
FONG = "Fong & Vedaldi 2017, Interpretable Explanations of Black Boxes by Meaningful Perturbation (ICCV 2017)"
ZEILER = "Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (ECCV 2014)"
HOOKER_ROAR = "Hooker, Erhan, Kindermans & Kim 2019, A Benchmark for Interpretability Methods in Deep Neural Networks (NeurIPS 2019)"
CARUANA_2015 = (
    "Caruana et al. 2015, Intelligible Models for HealthCare: Predicting Pneumonia Risk and Hospital "
    "30-day Readmission (KDD 2015)"
)

# The seed papers, as the notes name them.
BHATT = "Bhatt et al. 2020, Explainable Machine Learning in Deployment (FAT* 2020)"
HOPKINS = "Hopkins & Booth 2021, Machine Learning Practices Outside Big Tech (AIES 2021)"
LIPTON = "Lipton 2016, The Mythos of Model Interpretability (ICML WHI 2016)"
HONG = "Hong, Hullman & Bertini 2020, Human Factors in Model Interpretability (CSCW 2020)"


def _prose(text: str) -> str:
    """One line of text with typographic quotation marks, as the rest of the site writes them."""
    return QUOTED.sub(r"“\1”", " ".join(text.split()))


QUOTED = re.compile(r'"([^"]*)"')


def _g(answers: str, limits: str, sources: tuple[str, ...], seed_note: str) -> Guide:
    return Guide(_prose(answers), _prose(limits), sources, _prose(seed_note))


_GUIDES: dict[str, Guide] = {
    # --- feature attribution ---------------------------------------------------------------------------
    "feature-importance": _g(
        """It answers "which features mattered?", either for one prediction (local importance: which
        answers of this applicant pushed the score up or down) or for the model as a whole (global
        importance: which features the model leans on across many cases). The output is one number per
        feature; a larger number means the feature moved the prediction, or the model's accuracy, more.
        Different methods compute it differently (Shapley values, LIME, gradients, shuffling a feature),
        so "importance" always means importance as one particular method defines it.""",
        """Importance describes the model, not the world: a feature can matter to the model because it
        is correlated with the real cause, and changing it need not change the outcome. When features are
        correlated, methods disagree on how to share credit between them, and two models that are equally
        accurate can rank features very differently. Methods also disagree with each other on the same
        model, so a claim like "the model uses age" should name the method and be checked with a second
        one.""",
        (LUNDBERG_LEE, RIBEIRO, BREIMAN_RF, GUIDOTTI, FISHER),
        """Bhatt et al. found feature importance "by far" the most common technique in their study, with
        Shapley values the most common kind, used in finance, healthcare, facial recognition and content
        moderation; it was consumed mostly by ML engineers as a sanity check, not shown to end users. Their
        table lists the criteria organisations judged it by (completeness, faithfulness, sensitivity). A
        data scientist they interviewed asked how to attribute importance in the presence of correlations.
        Hopkins & Booth report that R4 had implemented LIME and feature-importance methods but found them
        unhelpful for end users and insufficient at communicating uncertainty.""",
    ),
    "permutation-importance": _g(
        """It answers "how much does the model's accuracy depend on this feature?". Each feature's
        values are shuffled across the test cases, breaking its link with the outcome while keeping its
        distribution, and the drop in accuracy (or rise in error) is the feature's importance. It is a
        global measure: one number per feature for the model as a whole, not an explanation of any single
        prediction. A drop near zero means the model can do without the feature as it stands, not that the
        feature is unrelated to the outcome.""",
        """Shuffling one feature of correlated features creates combinations that never occur (a
        50 kg person who is 2 m tall), so the model is scored on inputs it was never trained for and the
        importance can be inflated. Correlated features also share credit: either one can look unimportant
        because the other carries the same information. The result depends on the random shuffle and on
        the test set, so it should be repeated and reported with its spread; measured on training data it
        rewards overfitting.""",
        (BREIMAN_RF, FISHER, HOOKER_PERM),
        """Not discussed in the seed papers. Its correlated-feature problem is the one a data scientist
        raised in Bhatt et al.: how to attribute importance in the presence of correlations.""",
    ),
    # --- Shapley values --------------------------------------------------------------------------------
    "shapley-values": _g(
        """It answers "how much did each feature contribute to this prediction, compared with the
        average prediction?". The features are treated as players in a cooperative game whose payout is
        the prediction; each feature's Shapley value is its average extra contribution over every order in
        which features could be added. The values add up exactly to the prediction minus the average
        prediction, and they are the only attribution with a small set of fairness properties (symmetry,
        no credit for a feature that never changes anything, additivity). A positive value pushed this
        prediction up, a negative one down.""",
        """The exact computation needs every subset of features, which doubles with each feature, so
        beyond a dozen or so features practice uses approximations (KernelSHAP, TreeSHAP, sampling). The
        values depend on what "leaving a feature out" means: most implementations replace it with values
        from a background data set as if features were independent, which can credit features for
        combinations that never occur. They describe the model's arithmetic, not causes, and the guarantees
        are about how credit is shared, not about whether the explanation helps a person decide.""",
        (SHAPLEY_1953, STRUMBELJ, LUNDBERG_LEE, KUMAR_SHAPLEY),
        """Bhatt et al. note that Shapley values "enjoy axiomatic uniqueness guarantees" but are exponential
        to compute, so organisations use approximations. Organization A (credit risk) had risk analysts
        review Shapley explanations before launch, to check the model uses the features a human would, and
        let customer support see each feature's percentage contribution with its sign; it planned a global
        version averaged per predicted class. Hopkins & Booth report that R10 relied on Shapley values to
        increase customer trust but found users did not know how to interpret them, and needed a custom
        interface for every data type.""",
    ),
    "shap": _g(
        """SHAP (SHapley Additive exPlanations) is the family of methods, and the Python library, that
        estimate Shapley values for a model's prediction: it answers "which features pushed this
        prediction above or below the average, and by how much?". Its plots (bar charts, beeswarm summary
        plots) show per-feature contributions for one case or, averaged as mean absolute values, which
        features matter most across the data. Different SHAP explainers make different trade-offs:
        KernelSHAP works on any model by sampling, TreeSHAP is exact and fast for tree ensembles.""",
        """SHAP values inherit every limit of Shapley values: they depend on the background data used to
        represent a missing feature, usually assume features are independent, and describe the model, not
        causes. The approximate explainers add their own error, which is rarely reported. Mean absolute
        SHAP hides direction and interactions, and a model can be built whose SHAP explanations look
        innocuous while it relies on a sensitive feature. Averaging over all cases can also hide that
        different groups are decided by different features.""",
        (LUNDBERG_LEE, LUNDBERG_TREES, SHAPLEY_1953, SLACK, KUMAR_SHAPLEY),
        """In Bhatt et al., Organization A preferred Shapley-value explanations to LIME, whose explanations
        did not align with human intuition, and intended to expose them per predicted class (on average,
        which features mattered for people denied a loan). A research scientist they quote thought
        model-agnostic methods like Lundberg & Lee's "likely overkill" for kernel models, being
        computationally expensive and prone to poor approximations.""",
    ),
    "kernel-shap": _g(
        """KernelSHAP estimates Shapley values for any model without looking inside it. It asks the model
        about many versions of the case in which some features are replaced by background values, then
        fits a weighted linear regression whose coefficients are the estimated contributions; with enough
        samples they approach the exact Shapley values. It answers the same question as Shapley values
        (which features pushed this prediction up or down), for models where exact computation is too
        slow.""",
        """It is an estimate: with a small sample budget the values are noisy and their ranking can change
        from run to run, so the budget should be reported and, where possible, checked against exact
        values. "Removing" a feature means replacing it with background values as if features were
        independent, which evaluates the model on unrealistic combinations when features are correlated.
        It is slow (many model calls per explanation) and depends on the choice and size of the background
        data.""",
        (LUNDBERG_LEE, AAS, STRUMBELJ),
        """Not named in the seed papers, but Bhatt et al. list "weighted linear regression" among the
        approximations of Shapley values in use, and quote a research scientist who found model-agnostic
        methods like Lundberg & Lee's computationally expensive and liable to produce poorly approximated
        explanations.""",
    ),
    "tree-shap": _g(
        """TreeSHAP computes Shapley values exactly for tree models (decision trees, random forests,
        gradient boosting) by following the trees' structure instead of trying every subset of features,
        in time polynomial in the tree size. It answers which features pushed this prediction up or down,
        without sampling error, in milliseconds. It also yields interaction values (how much pairs of
        features act together) and, averaged, global importance.""",
        """It applies only to tree models. Its original ("tree path dependent") version treats a missing
        feature by following the training data down the tree, while the "interventional" version uses a
        background data set; the two answer slightly different questions and can give different values
        when features are correlated. Being exact for the model does not make it causal or robust: values
        for a boosted ensemble describe that ensemble, which may lean on proxies.""",
        (LUNDBERG_TREES, LUNDBERG_LEE),
        """Not discussed in the seed papers. Bhatt et al. stress that exact Shapley values are exponential in
        the number of features, which is the cost TreeSHAP avoids for trees.""",
    ),
    # --- LIME and local explanations --------------------------------------------------------------------
    "lime": _g(
        """LIME (Local Interpretable Model-agnostic Explanations) answers "which features, near this case,
        push the prediction which way?". It makes many perturbed copies of the case (for text, copies with
        words removed), asks the model about each, and fits a small weighted linear model to those answers;
        the linear model's weights are the explanation. It works on any model and on tables, text and
        images.""",
        """The explanation depends on random sampling, the number of samples and the kernel width that
        decides what counts as "near": rerunning it, or changing those settings, can change which features
        come first, so stability should be checked by rerunning. The linear model may fit the model poorly
        around the case, and its fit is seldom shown. Perturbed samples can be unrealistic, and a model can
        be built to behave differently on them, hiding a bias from LIME. The weights explain a local
        approximation, not the model's reasoning.""",
        (RIBEIRO, ALVAREZ, GARREAU, SLACK),
        """In Bhatt et al., Organization A found that LIME explanations "do not align with human intuition",
        which the authors trace to sampling variance, sample size and sampling proximity. Hopkins & Booth
        report that R4 found LIME and feature importances unhelpful for end users and insufficient at
        communicating uncertainty, and that interviewees who wanted explanations found the methods unstable.
        Lipton describes LIME as learning a separate sparse linear model to explain a first model in a local
        region.""",
    ),
    "local-explanations": _g(
        """A local explanation explains one prediction for one input, not the model as a whole. Bhatt et
        al. sort them by the question they answer: which feature of this input mattered most (feature
        importance), which training example mattered most (influential samples), and what is the smallest
        change to this input that would change the outcome (counterfactuals). A local explanation is what
        a person affected by a decision would usually ask for.""",
        """A local explanation holds only near the case it explains: a neighbouring case can get a
        different one, so it cannot be generalised into a statement about the model without checking many
        cases. Different local methods can disagree on the same case, and most are approximations whose
        error is not shown. Because they are easy to read, they can be persuasive even when unfaithful to
        the model.""",
        (RIBEIRO, BAEHRENS, LUNDBERG_LEE, DOSHI_VELEZ),
        """Bhatt et al. focus on local explainability, defined as explaining the model's behaviour for a
        specific input, and found it consumed mostly by ML engineers auditing models before deployment
        rather than by end users. Lipton warns that a saliency map "is a local explanation only" and
        contrasts it with linear models, which model global relationships.""",
    ),
    "global-explanations": _g(
        """A global explanation describes how the model behaves overall: which features it relies on across
        all cases, how the prediction changes as a feature varies on average, or a simple model that
        imitates it. It answers "what has the model learned?" rather than "why this decision?". Examples in
        the sandbox are mean absolute SHAP values (overall and per predicted class) and a surrogate
        tree.""",
        """An average can hide that different groups of cases are decided differently, and aggregating
        local explanations is only meaningful when they are on a common scale (Shapley values on tabular
        data are; pixel heatmaps are not). A surrogate is only as trustworthy as its agreement with the
        model. A global picture does not tell an individual why their case came out as it did.""",
        (FRIEDMAN, CRAVEN, LUNDBERG_TREES, DOSHI_VELEZ),
        """Bhatt et al. define global explainability as characterising the concepts a model learned,
        simpler models learned from it, prototypical samples or the topology of the data, and report that
        none of their interviewees deployed a global technique. Organization A planned a global variant of
        Shapley values averaged per predicted class; Organization B found an aggregate of heatmaps
        meaningless.""",
    ),
    # --- gradients and saliency -------------------------------------------------------------------------
    "integrated-gradients": _g(
        """It answers "how much did each feature (pixel, word) contribute to the change in the output from
        a baseline input to this one?". It adds up the model's gradients along a straight path from the
        baseline (say, a blank image or the average applicant) to the input. Its attributions add up to
        the output's change from the baseline ("completeness"), which the sandbox checks, and it satisfies
        other axioms plain gradients fail.""",
        """The answer depends on the baseline: a black image, a blurred one or the training average give
        different attributions, and there is no neutral choice, so the baseline must be reported. It needs
        a differentiable model (not trees). The integral is approximated with a finite number of steps;
        too few steps break completeness. Like other attributions it says what the model responds to,
        not whether that is right or causal.""",
        (SUNDARARAJAN, STURMFELS),
        """Bhatt et al. report that Organization A uses Integrated Gradients for language models that flag
        malicious reviews, so that content moderators can see which word mattered most.""",
    ),
    "gradient-attribution": _g(
        """It answers "if this input feature changed a tiny bit, how much would the output change?", using
        the gradient of the model's output with respect to each input. Variants multiply the gradient by
        the input (gradient × input) or integrate it along a path (integrated gradients). A large value
        means the output is locally sensitive to that feature.""",
        """Gradients describe infinitesimal changes, so they can miss what happens under realistic ones,
        and they saturate: a feature the model relies on heavily can have a near-zero gradient. They are
        noisy, change under small input perturbations, and some variants pass sanity checks poorly (maps
        that barely change when the model's weights are randomised). They need a differentiable model and
        say nothing about causes.""",
        (BAEHRENS, SIMONYAN, ANCONA, ADEBAYO),
        """Bhatt et al. treat gradient-based techniques as perturbation-based ones with an infinitesimal
        perturbation, and warn that large gradients "do not necessarily explain anything to stakeholders":
        at best they say how the model behaves under an infinitesimal, not necessarily feasible, change.
        They also report that spurious correlations can be detected with simple gradient-based techniques,
        and that Organization E ranks words by gradient to find minimal adversarial edits.""",
    ),
    "saliency-maps": _g(
        """A saliency map answers "which pixels (or words) is this prediction most sensitive to?". It is
        usually the gradient of the class score with respect to the input, drawn as a heatmap over the
        image; bright regions are those where a small change would move the score most. It is used to see
        whether a model looks at the object or at a background artefact.""",
        """Saliency maps are visually noisy and fragile: a change that leaves the prediction unchanged can
        change the map a lot. Some saliency methods produce maps that barely change when the model's
        weights are randomised, so a plausible-looking map is no proof of faithfulness. Sensitivity is not
        importance, and people tend to read maps as confirming what they expected.""",
        (SIMONYAN, ADEBAYO, GHORBANI, KINDERMANS),
        """Lipton lists saliency maps among post-hoc interpretations and warns that they "may be
        misleading": "Once you move a single pixel, you may get a very different saliency map." Bhatt et al.
        report that Organization D found more robust models have more convincing gradient-based explanations,
        confirming research findings.""",
    ),
    "heatmaps": _g(
        """A heatmap colours each part of the input (pixels, words, table cells) by an importance score,
        so a person can see at a glance where the explanation puts weight. It answers "where in this input
        did the model look?" for one case. The scores can come from gradients, integrated gradients,
        occlusion or Shapley values; the heatmap is a way of showing them.""",
        """A heatmap is only as good as the scores behind it and inherits their noise and fragility. Its
        colour scale decides what looks important. Heatmaps of different images do not line up, because
        the same pixel means different things in different images, so averaging them says little about the
        model.""",
        (SIMONYAN, ZEILER, ADEBAYO),
        """Bhatt et al. report that Organization B (driver facial expressions) found heatmaps useful for
        reviewing false positives on tiny data sets but struggled to aggregate them across videos; taking
        an expectation over heatmaps "does not work since aggregating pixel attributions is meaningless".
        They also describe a cheek-raise detector that, like the smile detector trained on the same
        data, focused on the mouth: a co-occurrence with smiling.""",
    ),
    # --- counterfactuals --------------------------------------------------------------------------------
    "counterfactual-explanations": _g(
        """It answers "what is the smallest change to this case that would have changed the decision?", for
        example "had your income been higher by this much, the loan would have been granted". Wachter et
        al. find it by searching for the nearest input with a different outcome; diverse counterfactuals
        return several different changes; genetic search (CERTIFAI) works on any model and turns the
        distance to the nearest counterfactual into a robustness score.""",
        """The nearest point may be impossible or unactionable (becoming younger, changing a diagnosis), so
        immutable features must be locked and plausibility checked. The answer depends on the distance
        measure and the scaling of features; many counterfactuals exist and the one shown is a choice.
        Search methods give no guarantee of finding the smallest change, and a counterfactual describes the
        model, not what would happen in the world if the person acted on it.""",
        (WACHTER, MOTHILAL, SHARMA, BAROCAS),
        """Bhatt et al. define counterfactual explanations as points close to the input for which the
        decision changes, and report that Organization C (healthcare) uses a faster version of Sharma et
        al.'s method, with a robustness score to compare models. They note counterfactuals might not be
        feasible (Organization C guides the search with training data and lets experts set constraints),
        that black-box search cannot guarantee optimality, and that it is unclear what should be optimised.
        They found such explanations easy for end users to understand.""",
    ),
    "algorithmic-recourse": _g(
        """It answers "what can this person actually do to get a different decision?". It is a
        counterfactual restricted to actionable changes: immutable features (age, birthplace) are locked,
        others can move only in feasible directions and amounts. The sandbox lets a user lock features and
        shows the nearest counterfactual that respects the locks.""",
        """Recourse assumes the model stays the same after the person acts; retraining can take it away.
        Changing one feature usually changes others in the world (a new job changes income and tenure),
        which counterfactual search on features ignores. What is actionable, and at what cost, is a
        judgement the method cannot make, and a model whose recourse is easily gamed may lose its
        predictive power.""",
        (USTUN, KARIMI, WACHTER, BAROCAS),
        """Not a term of the seed papers, but Bhatt et al. present counterfactual explanations as "providing
        a means for recourse" and describe Organization C letting domain experts specify constraints.
        Lipton's example of credit scores shows the other side: applicants can raise them by changes that
        do not change their ability to repay, which may invalidate the score's predictive power.""",
    ),
    "contrastive-explanations": _g(
        """A contrastive explanation answers "why this outcome rather than that one?" (why rejected rather
        than accepted), pointing to the differences that would produce the other outcome instead of every
        cause of this one. People usually ask for explanations in this form. Counterfactuals are one way to
        produce them.""",
        """The answer depends on the contrast chosen, which the person asking usually leaves implicit, so
        an explanation against the wrong foil can be correct and useless. A contrastive explanation is
        partial by design and can leave out what mattered most to the model.""",
        (MILLER, WACHTER),
        """Bhatt et al. say contrastive explanations that highlight contextually relevant information "are
        most similar to human explanations", but that in their current form finding the relevant set of
        plausible counterfactual points is not clear.""",
    ),
    "what-if-tool": _g(
        """What-if analysis answers "what would the model say if this case were different?": the user edits
        feature values and sees the prediction (and its explanation) update. It lets a person probe a model
        directly rather than trust a summary, and compare cases side by side. Every demo in the sandbox
        works this way: edit a value and the result recomputes.""",
        """What a person learns depends on which changes they think to try; a few probes do not map the
        model. Edited cases can be unrealistic combinations the model never saw, where its answers mean
        little. Probing shows behaviour, not the reason for it.""",
        (WEXLER,),
        """Not named in the seed papers. Hopkins & Booth report interviewees who found "transparency by
        example", examining sets of inputs and outputs, sufficient for model understanding, and note that
        Hong et al. had suggested such prodding and probing did not meet practitioners' needs.""",
    ),
    # --- adversarial ------------------------------------------------------------------------------------
    "adversarial-examples": _g(
        """An adversarial example is an input changed very little, often imperceptibly to a person, that
        the model nevertheless classifies differently. Looking for one answers "how fragile is this
        prediction, and what is the model really responding to?". How far one must go to find it is a
        measure of robustness.""",
        """Finding none does not prove a model robust: the search may be too weak. The answer depends on
        how "small" is measured (largest single change or overall change) and on whether the changed input
        is still realistic; for tables and text a small numeric change can be a large change in meaning.
        Robustness to one attack says little about others.""",
        (SZEGEDY, GOODFELLOW, MADRY, CARLINI, LI_TEXTBUGGER),
        """Lipton cites CNNs made to misclassify images "imperceptibly (to a human) perturbed" as mistakes a
        human would not make. Bhatt et al. report that Organization D measures an image moderation model's
        robustness by the minimum perturbation needed to evade detection, and Organization E the minimum
        word changes that flip a sentiment classifier.""",
    ),
    "adversarial-perturbations": _g(
        """The adversarial perturbation is the change itself: the smallest difference added to an input
        that flips the model's prediction. It answers "what minimal change to this input would change the
        decision?" (the same question as a counterfactual, asked about robustness rather than recourse) and
        its size measures how close the input lies to the decision boundary.""",
        """The perturbation found is the smallest one the search found, not necessarily the smallest that
        exists. Its size depends on the norm used and on feature scaling, so sizes are comparable only
        within one setting. A perturbation that flips a model need not be a realistic change, and one
        found for one model may or may not transfer to another.""",
        (SZEGEDY, GOODFELLOW, CARLINI, TSIPRAS),
        """Bhatt et al. note that the formulation for finding counterfactual explanations matches that for
        adversarial examples, and that Sharma et al. use the connection to define a robustness score. They
        report that Organization D averages the minimum perturbation over test images to compare models, and
        that more robust models had more convincing gradient explanations.""",
    ),
    "projected-gradient-descent": _g(
        """PGD answers "within a budget ε of change, what input makes the model most wrong?". It repeatedly
        steps in the direction that most increases the model's error and projects back into the allowed
        budget; searching over ε (bisection) finds the smallest budget at which the prediction flips. That
        smallest ε, averaged over test cases, is a robustness score.""",
        """It needs the model's gradients (not trees) and can get stuck, so the ε it reports is an upper
        bound on the true minimum, not the minimum itself. Results depend on the norm, step size, number of
        steps and random restarts. On tabular data, a change within ε can be meaningless (a fractional
        number of dependants) unless constrained.""",
        (MADRY, GOODFELLOW, CARLINI),
        """Bhatt et al. report that Organization D applies Projected Gradient Descent to search for the
        minimum perturbation that makes an image evade detection, shows QA engineers the perturbation
        distance averaged over randomly sampled test images (larger means more robust), and uses it to
        compare candidate models.""",
    ),
    "perturbation-methods": _g(
        """Perturbation-based methods explain a model by changing its input and watching the output: remove
        or replace a feature, a word or a patch of pixels and see how the prediction moves. They answer
        "what does this prediction depend on?" without looking inside the model. LIME, KernelSHAP,
        occlusion and word-deletion searches are all perturbation methods.""",
        """Removing part of an input creates inputs the model never saw, so the change in output may
        reflect the oddity of the perturbed input rather than the importance of what was removed. Results
        depend on what "removed" means (blank, average, random value) and on how many perturbations are
        sampled; one feature at a time misses interactions.""",
        (ZEILER, FONG, RIBEIRO, HOOKER_ROAR, JIN),
        """Bhatt et al. divide feature-importance methods into perturbation-based and gradient-based, the
        latter a special case with infinitesimal perturbations, and name Shapley values as a prominent
        perturbation-based class. Organization E perturbs the most important words of a post to find the
        fewest that flip a sentiment classifier.""",
    ),
    # --- influence and examples -------------------------------------------------------------------------
    "influence-functions": _g(
        """Influence functions answer "which training examples was this prediction most dependent on?". They
        estimate, without retraining, how the model's loss on this case would change if one training
        example were up-weighted or removed, using the curvature (Hessian) of the training loss. Positive
        influence means the training example supports the prediction; negative means it opposes it.""",
        """The approximation is reliable for models with a convex loss, like logistic regression (the sandbox
        checks its estimates for the top cases against actually retraining without them); for deep networks it is fragile. The
        most influential examples are often outliers or mislabelled points that influence every
        prediction, not cases similar to this one. Computing the Hessian is expensive for large models.""",
        (KOH_LIANG, COOK, BASU),
        """Bhatt et al. report that influence functions were the tool of choice for over half of their
        organisations but deployed by only one, an insurer explaining premiums: computing the Hessian made
        latency impractical, and many influential points were outliers important for all drivers, so the
        method might be more useful for outlier detection than for explaining to end users.""",
    ),
    "influential-samples": _g(
        """It answers "which training examples mattered most for this prediction (or for the model)?". The
        answer is a ranked list of training cases with their estimated effect: removing a highly
        influential example would change this prediction most. It is found by influence functions, by
        actually retraining without each example, or by Cook's distance for regressions.""",
        """Influence is not similarity: the most influential examples are often unusual ones, such as
        outliers or label errors, rather than cases like this one. Estimates for non-convex models are
        unreliable, and exact retraining is expensive. A list of influential people's records also raises
        privacy questions if shown outside the team.""",
        (KOH_LIANG, COOK, BASU),
        """Bhatt et al. count "which training datapoint mattered most?" among the three forms of local
        explanation (a paraphrase), and found influential samples "sensitive to outliers in the data", more
        useful for outlier detection than for end-user explanations. They add that the non-convexity of
        some models makes influential points hard to compute quickly, and that explanations can raise
        privacy concerns.""",
    ),
    "cooks-distance": _g(
        """Cook's distance answers "how much would the fitted model change if this one observation were
        deleted?". For each training case it combines how far the case is from the fitted line (its
        residual) with how unusual its inputs are (its leverage). Cases with a large distance are the ones
        whose removal would move the fit most, and deserve a closer look.""",
        """It is defined for linear regression (with generalisations to logistic regression) and measures
        the effect on the whole fit, not on one particular prediction. Rules of thumb for "large" are
        conventions, not tests. It looks at one deletion at a time, so a group of outliers can mask each
        other.""",
        (COOK, PREGIBON),
        """Bhatt et al. note that statisticians have used measures like Cook's distance, which measure the
        effect of deleting a data point, but that they require an exhaustive search and do not scale well
        to large data sets.""",
    ),
    "explanation-by-example": _g(
        """It answers "which known cases does the model consider similar to this one?" and justifies a
        prediction by pointing to them, as a doctor cites similar cases. The sandbox shows the nearest
        training cases, the nearest case the model treats differently, and typical and atypical cases of
        each class. It needs no knowledge of features or weights: a reader compares cases.""",
        """Similarity depends on the distance used and on feature scaling, and similar cases can share
        outcomes for reasons other than the model's. Showing neighbours does not reveal how the model
        decides; the model may rely on a feature the neighbours happen to share. Real cases shown as
        explanations can disclose other people's data.""",
        (CARUANA_1999, KIM_MMD),
        """Lipton lists explanation by example as a post-hoc interpretation: reporting which other examples
        the model considers most similar, with precedent in how humans justify actions by analogy. Hopkins &
        Booth report interviewees optimistic about "transparency by example", examining sets of inputs and
        outputs. Bhatt et al. report ML engineers checking whether the "most similar samples and nearest
        training points in the opposite class make sense".""",
    ),
    "nearest-neighbours": _g(
        """It answers "which training cases are closest to this one?", measured in the input features or in
        the model's learned representation. Neighbours with the same outcome support the prediction; the
        nearest case with the other outcome shows what a nearby different decision looks like.""",
        """Distances in many dimensions are dominated by the features with the largest scale unless features
        are standardised, and in high dimensions everything is nearly equally far. Neighbours in the input
        space are not necessarily the cases the model treats alike. The nearest case of the other class is a
        real case, but not the smallest change that would flip the decision.""",
        (COVER_HART, CARUANA_1999),
        """Lipton describes using a network's hidden activations to find the k-nearest neighbours of an
        example in the space the model learned. Bhatt et al. note that many counterfactual techniques
        crudely return the closest datapoint of the other class in the training set.""",
    ),
    "prototypes": _g(
        """Prototypes answer "what does a typical case of this class look like?", and criticisms "which
        cases are not well represented by the prototypes?". MMD-critic picks prototypes so that their
        distribution matches the data's and criticisms where it does not; together they summarise a data
        set, or a model's classes, by a few real examples.""",
        """A handful of prototypes cannot show the spread of a class, and the choice depends on the kernel
        and the number requested. Prototypes summarise the data (or the model's predicted classes), not the
        model's reasoning; a reader may wrongly infer which features made them typical.""",
        (KIM_MMD, BIEN),
        """Lipton cites Kim et al.'s Bayesian Case Model for case-based reasoning and prototype
        classification. Bhatt et al. list "prototypical samples from a particular model output" among global
        explainability techniques, which none of their interviewees had deployed.""",
    ),
    # --- global effects and surrogates ------------------------------------------------------------------
    "partial-dependence": _g(
        """A partial dependence plot answers "on average, how does the prediction change as this feature
        varies?". For each value on the horizontal axis it sets the feature to that value in every case,
        keeps the other features as they were, and averages the predictions. A rising curve means the
        model tends to predict higher for higher values of the feature.""",
        """It assumes the feature can vary independently of the others; when features are correlated the
        curve averages over unrealistic cases (an old person with a young person's history). The average
        can hide opposite effects in different groups, which ICE curves show. It describes the model, not
        the effect of changing the feature in the world.""",
        (FRIEDMAN, GOLDSTEIN, APLEY),
        """Not discussed in the seed papers. Its independence assumption is the difficulty a data scientist
        in Bhatt et al. raised: how to attribute importance in the presence of correlations.""",
    ),
    "ice-plots": _g(
        """Individual conditional expectation (ICE) plots draw one curve per case: how that case's prediction
        changes as one feature varies, the others held fixed. Their average is the partial dependence curve.
        Curves that cross or diverge show that the feature's effect differs between cases (an interaction);
        centred ICE curves start from a common point to make that visible.""",
        """Like partial dependence, ICE curves set a feature to values that may be unrealistic for that case
        given its other features. Many curves become unreadable, so a sample is shown. They show
        heterogeneity but not which other feature causes it.""",
        (GOLDSTEIN, FRIEDMAN),
        """Not discussed in the seed papers.""",
    ),
    "surrogate-models": _g(
        """A global surrogate answers "what simple rule set mimics this model?": a small decision tree (or
        linear model) is trained on the model's predictions rather than the true labels, and then read. Its
        fidelity, the share of unseen cases on which it agrees with the model, says how far the reading can
        be trusted.""",
        """A surrogate explains the model only where it agrees with it; at 85% fidelity, about one case in seven is
        decided differently, often the hard cases near the boundary. A deeper tree is more faithful but less
        readable. A surrogate can use different features from the model and still agree, so it shows a way
        the decisions could be made, not how they are made.""",
        (CRAVEN, RIBEIRO, GUIDOTTI),
        """Bhatt et al. list "simpler models learned from the representation of complex models" among global
        techniques, which none of their interviewees deployed. Lipton describes LIME as learning a separate
        sparse linear model to explain the first model locally.""",
    ),
    "model-distillation": _g(
        """Distillation trains a smaller "student" model to reproduce a larger "teacher" model's outputs,
        often its full predicted probabilities. For interpretability it answers the same question as a
        surrogate: can a model simple enough to read reproduce this one's decisions, and how closely?""",
        """Distillation is mostly used to compress models, and a compact student need not be readable. When
        it is, its agreement with the teacher must be measured on unseen data; the student may reach the
        same answers by different routes.""",
        (BUCILUA, HINTON_DISTIL, CRAVEN),
        """Not discussed in the seed papers beyond Bhatt et al.'s mention of "simpler models learned from the
        representation of complex models" as a global technique.""",
    ),
    # --- transparent models -----------------------------------------------------------------------------
    "linear-models": _g(
        """A linear (or logistic) regression predicts by adding up each feature times a weight, so its
        weights can be read directly: a positive weight pushes the prediction up for higher values of the
        feature. On standardised features, the size of a weight compares features' strength of association
        with the outcome, holding the others fixed. The contribution of each feature to one prediction is its
        weight times its value.""",
        """Weights depend on which other features are included and how they are encoded: correlated
        features can swap or split their weights, and a weight's sign can flip when a related feature is
        added. They measure association, not cause. With many features, or heavily engineered ones, a
        linear model is no longer easy to read.""",
        (TIBSHIRANI, LOU, RUDIN),
        """Lipton counts linear models as decomposable (their parameters read as strengths of association)
        but warns that the weights "can be fragile with respect to feature selection and pre-processing",
        as in flu risk and vaccination, and argues linear models are not strictly more interpretable than
        deep networks. Hopkins & Booth found every interviewee used at least linear regression; Bhatt et al.
        note many organisations still use classical models such as logistic regression.""",
    ),
    "decision-trees": _g(
        """A decision tree predicts by a path of yes/no questions on features ("duration over 24 months?")
        from the root to a leaf that gives the prediction. A person can follow the path for any case, and
        each question can be read in plain language. Small trees are the standard example of a model a
        person can simulate by hand.""",
        """Only small trees are readable; accurate trees are often deep. Trees are unstable: a small change
        in the training data can produce a very different tree, so the particular questions should not be
        read as the truth about the data. A feature absent from the tree may still be related to the
        outcome.""",
        (CART, RUDIN),
        """Lipton notes each node could correspond to a plain-text description (e.g. patients with diastolic
        blood pressure over 150), that a tree's total size can grow much faster than the length of one path,
        and that deep decision trees could be less transparent than compact neural networks.""",
    ),
    "interpretable-models": _g(
        """An inherently interpretable model (a small tree, a sparse linear model, a rule list, an additive
        model) is one whose own structure is the explanation, so no separate explanation method is needed.
        It answers "how does the model decide?" exactly rather than approximately. For high-stakes decisions,
        some argue such models should be preferred whenever they are nearly as accurate.""",
        """Interpretability depends on size and features: a linear model with hundreds of engineered
        features is not readable. Simple models can be less accurate, and whether that cost is acceptable
        is a decision, not a fact. Being readable does not make a model fair or causal.""",
        (RUDIN, LOU, CARUANA_2015),
        """Lipton argues that neither linear models, rule-based systems nor decision trees are intrinsically
        interpretable, and cautions against giving up predictive power when the desire for transparency is
        not justified. Bhatt et al. report Organization B fitting a simple model on descriptors extracted by
        deep models, so the important descriptors are obvious.""",
    ),
    "simulatability": _g(
        """Simulatability is Lipton's strictest notion of transparency: a person can take the input and the
        model's parameters and, in reasonable time, step through every calculation that produces the
        prediction. A small decision tree or a sparse linear model is simulatable. The sandbox's small tree
        can be followed by hand.""",
        """What is "reasonable" time is subjective, and simulatability shrinks fast as models grow: a large
        tree or a linear model with many features is not simulatable. Being able to simulate a model does not
        mean understanding why it is right.""",
        (LIPTON, TIBSHIRANI),
        """Lipton defines simulatability at the level of the entire model, suggests it may have two subtypes
        (total model size and computation for one prediction), and notes it accords with the claim that
        sparse linear models (lasso) are more interpretable than dense ones.""",
    ),
    "decomposability": _g(
        """Decomposability is Lipton's second notion of transparency: each part of the model (every input,
        parameter and calculation) admits an intuitive explanation, such as a tree node reading "blood
        pressure over 150" or a weight read as a strength of association. It asks whether the pieces make
        sense, not whether the whole can be simulated.""",
        """It requires each input to be meaningful on its own, so models on anonymous or heavily engineered
        features lose it. Intuitive readings of parts can be wrong: a weight's meaning depends on the other
        features in the model.""",
        (LIPTON, LOU),
        """Lipton ties decomposability to Lou et al.'s intelligibility, notes it disqualifies models with
        highly engineered or anonymous features, and argues that linear models often need engineered
        features to match deep networks, trading decomposability for accuracy.""",
    ),
    # --- monitoring, sensitivity and stress testing -----------------------------------------------------
    "sensitivity-analysis": _g(
        """It answers "how much does the prediction move when an input changes a little?". Each feature is
        nudged up and down by a small amount (here a fraction of its standard deviation) and the change in
        output recorded; noise on all features together shows overall stability. Unexpectedly large
        changes flag an unstable model or a region near a decision boundary.""",
        """One-at-a-time changes miss interactions, and the result depends on the step size and on where the
        case sits. A small local sensitivity says nothing about larger changes. Nudging one feature alone can
        create unrealistic cases when features are correlated.""",
        (SALTELLI, SR_11_7),
        """Bhatt et al. report that financial institutions, for regulatory model audits, want sensitivity
        analyses "checking the impact of small changes to inputs on model outputs", where unexpectedly large
        changes can indicate an unstable model; one deployment in their table evaluated feature importance by
        sensitivity.""",
    ),
    "stress-testing": _g(
        """Stress testing answers "how does the model behave under extreme or adverse conditions?", by
        running it on deliberately shifted, noisy or unusual inputs before deployment. It shows whether the
        prediction degrades gracefully or collapses.""",
        """It tests only the scenarios someone thought of; passing them says nothing about others. Synthetic
        stresses may be unrealistic, and the thresholds for "acceptable" are set by people.""",
        (SR_11_7, BRECK),
        """Bhatt et al. report that at Organization A, risk analysts conduct stress tests during model
        validation, before the model reaches loan officers; they add that in financial model audits, an
        effective validation framework (per the regulations they cite) includes evaluation of conceptual
        soundness, ongoing monitoring and outcomes analysis including back-testing.""",
    ),
    "data-drift": _g(
        """Drift monitoring answers "are the cases the model now sees different from the ones it was trained
        on?". For each feature it compares recent data with training data, here with the population
        stability index (PSI) and the Kolmogorov-Smirnov test, and the sandbox sets this beside each
        feature's importance, because drift in a feature the model relies on matters more than drift in one
        it ignores.""",
        """Input drift is not the same as a drop in accuracy: the model may cope with it, and accuracy can
        fall with no input drift when the relation between inputs and outcome changes (concept drift),
        which needs labels to detect. With large samples, tests flag trivial drifts; thresholds such as PSI >
        0.25 are conventions. Per-feature checks miss changes in how features combine.""",
        (QUINONERO, GAMA, RABANSER),
        """Bhatt et al. report data scientists worried about drift in feature and prediction distributions,
        wanting alerts at significant drift from the training distribution, and one organisation wanting to
        cross-reference how much each feature drifts with which features impact the model. Lipton notes that
        deployment environments are rarely stationary and that a model can alter its own environment.
        Hopkins & Booth report distribution shifts caused by COVID-19 as highlighting the importance of
        model and data versioning.""",
    ),
    "model-monitoring": _g(
        """Monitoring answers "is the deployed model still working as it did when it was validated?". It
        tracks the inputs (drift), the outputs (the distribution of predictions) and, when outcomes arrive,
        the accuracy and calibration over time, and raises an alert when they move.""",
        """Accuracy can only be monitored once true outcomes are known, often months later, so monitoring
        leans on proxies like drift that can both miss problems and raise false alarms. Thresholds and
        windows are choices. Monitoring detects change; deciding what to do about it is a separate
        question.""",
        (SCULLEY, BRECK, SR_11_7),
        """Bhatt et al. report that data scientists want to be alerted to significant drift after deployment
        and to cross-reference feature drift with feature importance; regulatory model validation includes
        ongoing monitoring. Hopkins & Booth describe practitioners with ad-hoc checks (scripts run for data
        errors) and argue that a model is never finished.""",
    ),
    # --- calibration and uncertainty --------------------------------------------------------------------
    "calibration": _g(
        """Calibration answers "when the model says 80%, is it right 80% of the time?". A reliability diagram
        groups predictions by confidence and plots each group's accuracy against its average confidence; a
        calibrated model follows the diagonal, and points below it mean overconfidence. The expected
        calibration error summarises the gap.""",
        """Calibration is not accuracy: a model can be well calibrated and often wrong, or accurate and
        overconfident. The error estimate depends on the number of bins and is noisy with few cases per bin.
        Calibration measured on test data may not hold after the data drifts, and being calibrated on
        average does not mean being calibrated for every group.""",
        (GUO, NICULESCU, NAEINI, KUMAR_CAL),
        """Hopkins & Booth define overconfidence as a model's average confidence greatly exceeding its average
        accuracy (citing Guo et al.), and report that interviewees did not focus on calibrating models'
        confidence, as research does, but on onboarding and communicating uncertainty; R5 stressed their
        confidence metrics are "not probabilities" (their emphasis).""",
    ),
    "uncertainty": _g(
        """Uncertainty quantification answers "how sure is the model about this prediction, and should a
        person check it?". The simplest measure is the predicted probability (or its entropy); ensembles,
        Bayesian methods and conformal prediction give better-founded ones. Low-confidence cases can be
        routed to a person.""",
        """A model's own probability is only meaningful if it is calibrated, and modern models are often
        overconfident, especially on data unlike the training data. Uncertainty about the data (noise) and
        about the model (lack of data) differ and need different methods. How uncertainty is shown to
        people strongly affects whether they use it.""",
        (KENDALL_GAL, LAKSHMINARAYANAN, OVADIA, BHATT_UNCERTAINTY),
        """Hopkins & Booth report companies having humans assess low-confidence predictions, R4 working with
        designers to present uncertainty in a "non-definitive way", and LIME and feature importances being
        insufficient at communicating uncertainty; they call uncertainty communication a well studied yet
        unsolved problem.""",
    ),
    "trust-calibration": _g(
        """Trust calibration asks whether people rely on a model as much as it deserves: more where it is
        reliable, less where it is not. The sandbox's reliability diagram shows where a model's confidence
        is and is not a good guide, which is what a person needs to calibrate their trust.""",
        """Showing confidence or explanations does not by itself calibrate trust; studies find people
        over-rely on automated advice even when they could do better alone, and explanations can increase
        trust without increasing accuracy. Trust calibration is a property of people using a system, which a
        technical demo can inform but not measure.""",
        (LEE_SEE, PARASURAMAN, ZHANG_TRUST),
        """Hopkins & Booth report that R4 wanted explanations for "calibrating trust" and that prior work
        shows people defer to model predictions even when they could outperform them; they argue onboarding
        alone is unlikely to mitigate overconfidence. They summarise Hong et al. as finding that a core use
        of explanations is building trust between people and models and between people in an organisation.
        Lipton asks what trust means, for instance being comfortable relinquishing control when the model
        errs where humans err.""",
    ),
    # --- representation visualisation -------------------------------------------------------------------
    "pca": _g(
        """Principal component analysis projects many features onto the few directions along which the data
        vary most, so that cases can be drawn on a 2-D map. Applied to a model's inputs or hidden layer, it
        answers "where does this case sit among the others, and do the classes separate?". Distances and
        directions on a PCA map are linear and comparable across the map.""",
        """Two components may capture little of the variance, so cases that overlap on the map can be far
        apart in reality; the share of variance explained should be shown. PCA depends on feature scaling
        and only captures linear structure. A map shows the data or representation, not the model's decision
        rule.""",
        (PEARSON, HOTELLING),
        """Not discussed in the seed papers. Lipton lists visualisations of learned representations as a
        post-hoc interpretation, and Bhatt et al. report Organization B considered clustering low-dimensional
        representations of heatmaps, with people still having to label the clusters.""",
    ),
    "t-sne": _g(
        """t-SNE draws high-dimensional data, such as a network's hidden representations, on a 2-D map so
        that cases that are close in the original space tend to stay close. It answers "which cases does
        the model's representation group together, and where does this case fall?". Clusters suggest the
        representation separates those cases.""",
        """Only local neighbourhoods are meaningful: distances between clusters, cluster sizes and empty
        space on a t-SNE map do not reflect the data. The picture changes with the perplexity setting and the
        random seed, and can show clusters in structureless data. It is slow on large data sets, and standard
        t-SNE cannot place a new case without recomputing the whole map.""",
        (VDMAATEN, WATTENBERG),
        """Lipton names t-SNE as a popular way to visualise high-dimensional distributed representations, a
        post-hoc interpretation rendering 2-D visualisations "in which nearby data points are likely to
        appear close together".""",
    ),
}


@cache
def guide_for(slug: str) -> Guide | None:
    """The guide for a technique slug, or None for a technique without one (not every technique of the
    vocabulary has a live demo, and only demonstrated ones are guaranteed a guide)."""
    return _GUIDES.get(slug)


def guided_slugs() -> frozenset[str]:
    return frozenset(_GUIDES)
