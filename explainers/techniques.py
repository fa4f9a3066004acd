"""The one vocabulary of explainability techniques.

Technique recognition (``assist.pipeline``), the findings pages and the
explainer sandbox all read this module, so a slug named here is a stable
identifier: a URL segment in the sandbox and a label stored with every
recognised mention.  Renaming a slug orphans stored mentions and links; add a
new technique instead, and bump ``assist.pipeline.PIPELINE_VERSION`` whenever
anything here changes so stored results are known to be stale.

How entries are matched (see ``assist.pipeline.technique_patterns``):

* ``acronyms`` match a single token case-sensitively, with an optional plural
  ``s`` ("LIME", "PDPs"); "lime juice" and "shapely" never match.
* ``variants`` are phrases matched token by token.  A word with two
  consecutive capitals ("SHAP", "KernelSHAP", "t-SNE"'s "SNE") is matched
  case-sensitively; every other word is matched on its lower-cased lookup
  lemma, so "Influence Functions" and "saliency maps" match the singular
  variant.  Hyphens between words are optional ("counter-factual" and
  "counter factual"), but a variant spelt as one word ("counterfactual",
  "tSNE") must be listed as such.  ``[a|b]`` marks an optional word with
  alternatives ("monitor [the|our] model").
* A mention is extended over one directly following noun from
  ``OUTPUT_NOUNS`` ("SHAP values", "t-SNE plots", "LIME scores"): the span
  covers the technique's name as spoken, including a head noun naming its
  output, but not other nouns ("LIME explanations" is a mention of "LIME").
* When matches overlap, the longest wins ("KernelSHAP" over "SHAP", "SHAP
  values" as one mention of ``shap``, "surrogate decision tree" as
  ``surrogate-models``).

Words with an ordinary meaning that interviewees use outside machine learning
("prototype", "surrogate", "drift", "calibration", "sensitivity",
"uncertainty", "influence") are therefore listed only inside phrases that
settle the sense.

``paper`` names the seed paper (see /work/shared/seeds) that discusses the
technique, or, for the few techniques practitioners use that the seed papers
do not discuss, says so and names the original source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

BHATT = "Bhatt et al. 2020, Explainable Machine Learning in Deployment (FAT* 2020)"
HOPKINS = "Hopkins & Booth 2021, Machine Learning Practices Outside Big Tech (AIES 2021)"
LIPTON = "Lipton 2016, The Mythos of Model Interpretability (ICML WHI 2016)"
HONG = "Hong, Hullman & Bertini 2020, Human Factors in Model Interpretability (CSCW 2020)"
SEED_CITATIONS = (BHATT, HOPKINS, LIPTON, HONG)


def not_in_seeds(source: str) -> str:
    """Citation for a technique the seed papers do not discuss."""
    return f"Not in the seed papers; {source}"


# Lemmas of nouns naming a technique's output, included in a mention that
# they directly follow (see the module docstring).
OUTPUT_NOUNS = frozenset({"value", "score", "plot", "curve", "map"})

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Families group techniques for the evaluation report and the sandbox index.
FAMILIES = {
    "attribution": "Feature attribution",
    "shapley": "Shapley values",
    "gradient": "Gradient and saliency methods",
    "example": "Example-based explanations",
    "counterfactual": "Counterfactuals and recourse",
    "adversarial": "Adversarial examples and robustness",
    "global": "Global, local and surrogate explanations",
    "transparent": "Transparent models",
    "visualisation": "Representation visualisation",
    "uncertainty": "Calibration and uncertainty",
    "monitoring": "Monitoring, validation and sensitivity",
    "governance": "Regulation, documentation and fairness",
}


@dataclass(frozen=True, slots=True)
class Technique:
    slug: str
    name: str
    family: str
    variants: tuple[str, ...]
    acronyms: tuple[str, ...]
    description: str
    paper: str


def _t(
    slug: str,
    name: str,
    family: str,
    variants: tuple[str, ...] | list[str],
    description: str,
    paper: str,
    acronyms: tuple[str, ...] = (),
) -> Technique:
    return Technique(slug, name, family, tuple(variants), acronyms, description, paper)


TECHNIQUES: tuple[Technique, ...] = (
    # --- feature attribution -------------------------------------------------
    _t(
        "feature-importance",
        "Feature importance",
        "attribution",
        [
            "feature importance",
            "feature importance score",
            "global feature importance",
            "local feature importance",
            "feature attribution",
            "feature contribution",
            "feature-level interpretation",
            "feature-level explanation",
            "feature-based explanation",
            "variable importance",
            "attribution method",
            "attribution score",
        ],
        "Scores how much each input feature contributed to a prediction or to the model overall.",
        BHATT,
    ),
    _t(
        "permutation-importance",
        "Permutation importance",
        "attribution",
        ["permutation importance", "permutation feature importance", "permutation-based importance"],
        "Measures a feature's importance by the drop in performance when its values are shuffled.",
        not_in_seeds("Breiman 2001, Random Forests (Machine Learning 45)"),
    ),
    _t(
        "feature-interactions",
        "Feature interactions",
        "attribution",
        ["feature interaction", "interaction effect", "H-statistic", "SHAP interaction value"],
        "Quantifies how much two features act jointly rather than additively on the prediction.",
        not_in_seeds("Friedman & Popescu 2008, Predictive Learning via Rule Ensembles"),
    ),
    _t(
        "ablation",
        "Ablation",
        "attribution",
        ["ablation study", "ablation analysis", "feature ablation", "ablation experiment"],
        "Removes a feature or component and measures how the model's behaviour changes.",
        not_in_seeds("a standard experimental method in machine learning"),
    ),
    # --- Shapley values ------------------------------------------------------
    _t(
        "shapley-values",
        "Shapley values",
        "shapley",
        ["Shapley value", "Shapley"],
        "Distributes a prediction among features as the payoff of a cooperative game (Shapley 1953).",
        BHATT,
    ),
    _t(
        "shap",
        "SHAP",
        "shapley",
        ["SHAP summary plot", "SHAP dependence plot", "SHapley Additive exPlanations"],
        "SHapley Additive exPlanations: a family of approximations of Shapley values (Lundberg & Lee 2017).",
        BHATT,
        acronyms=("SHAP",),
    ),
    _t(
        "kernel-shap",
        "KernelSHAP",
        "shapley",
        ["KernelSHAP", "Kernel SHAP", "KernelExplainer"],
        "Model-agnostic SHAP estimated by a weighted linear regression on sampled coalitions.",
        not_in_seeds("Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions"),
    ),
    _t(
        "tree-shap",
        "TreeSHAP",
        "shapley",
        ["TreeSHAP", "Tree SHAP", "TreeExplainer"],
        "Exact SHAP values for tree ensembles in polynomial time.",
        not_in_seeds(
            "Lundberg et al. 2020, From Local Explanations to Global Understanding with Explainable AI for Trees"
        ),
    ),
    _t(
        "deep-shap",
        "DeepSHAP",
        "shapley",
        ["DeepSHAP", "Deep SHAP", "DeepExplainer", "GradientExplainer"],
        "SHAP values for deep networks built on DeepLIFT-style backpropagation.",
        not_in_seeds("Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions"),
    ),
    _t(
        "data-valuation",
        "Data valuation",
        "shapley",
        ["Data Shapley", "data valuation", "TracIn", "representer point"],
        "Attributes a model's behaviour to individual training examples (Data Shapley, TracIn).",
        not_in_seeds("Ghorbani & Zou 2019, Data Shapley"),
    ),
    # --- LIME and anchors ----------------------------------------------------
    _t(
        "lime",
        "LIME",
        "attribution",
        ["local interpretable model-agnostic explanation"],
        "Explains one prediction with a sparse linear model fitted to perturbed samples around it.",
        BHATT,
        acronyms=("LIME",),
    ),
    _t(
        "anchors",
        "Anchors",
        "attribution",
        ["anchor explanation", "scoped rule"],
        "If-then rules that 'anchor' a prediction locally with high precision (Ribeiro et al. 2018).",
        not_in_seeds("Ribeiro, Singh & Guestrin 2018, Anchors: High-Precision Model-Agnostic Explanations"),
    ),
    # --- gradients and saliency ----------------------------------------------
    _t(
        "integrated-gradients",
        "Integrated gradients",
        "gradient",
        ["integrated gradient", "integrated gradients", "path-integrated gradient"],
        "Attributes a prediction by integrating gradients along a path from a baseline input.",
        BHATT,
    ),
    _t(
        "saliency-maps",
        "Saliency maps",
        "gradient",
        ["saliency map", "saliency", "salience map", "saliency method", "pixel attribution"],
        "Highlights the input regions to which the output is most sensitive, usually via gradients.",
        LIPTON,
    ),
    _t(
        "heatmaps",
        "Heatmaps",
        "gradient",
        ["heatmap", "heat map", "heat-map"],
        "Colour-coded overlays of feature-level importance on an image, text or table.",
        BHATT,
    ),
    _t(
        "gradient-attribution",
        "Gradient-based attribution",
        "gradient",
        [
            "gradient-based attribution",
            "gradient-based explanation",
            "gradient-based saliency",
            "gradient-based technique",
            "gradient-based method",
            "vanilla gradient",
            "raw gradient",
            "input gradient",
            "gradient times input",
            "gradient x input",
        ],
        "Uses the gradient of the output with respect to the input as an importance signal.",
        BHATT,
    ),
    _t(
        "smoothgrad",
        "SmoothGrad",
        "gradient",
        ["SmoothGrad", "smooth grad"],
        "Averages gradient saliency over noisy copies of the input to reduce visual noise.",
        not_in_seeds("Smilkov et al. 2017, SmoothGrad: removing noise by adding noise"),
    ),
    _t(
        "grad-cam",
        "Grad-CAM",
        "gradient",
        ["Grad-CAM", "GradCAM", "Grad-CAM++", "class activation map"],
        "Coarse localisation maps from the gradients flowing into a convolutional layer.",
        not_in_seeds("Selvaraju et al. 2017, Grad-CAM"),
    ),
    _t(
        "deeplift",
        "DeepLIFT",
        "gradient",
        ["DeepLIFT", "Deep LIFT"],
        "Compares each neuron's activation with a reference activation and propagates the differences.",
        not_in_seeds(
            "Shrikumar, Greenside & Kundaje 2017, Learning Important Features Through Propagating Activation Differences"
        ),
    ),
    _t(
        "layerwise-relevance-propagation",
        "Layer-wise relevance propagation",
        "gradient",
        ["layer-wise relevance propagation", "layerwise relevance propagation", "relevance propagation"],
        "Redistributes the prediction backwards through the network layer by layer.",
        not_in_seeds("Bach et al. 2015, On Pixel-Wise Explanations for Non-Linear Classifier Decisions by LRP"),
        acronyms=("LRP",),
    ),
    _t(
        "occlusion",
        "Occlusion",
        "gradient",
        ["occlusion sensitivity", "occlusion map", "occlusion analysis", "occlusion test"],
        "Masks parts of the input in turn and records how the prediction changes.",
        not_in_seeds("Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks"),
    ),
    _t(
        "attention-weights",
        "Attention weights",
        "gradient",
        ["attention weight", "attention map", "attention visualisation", "attention visualization", "attention score"],
        "Reads a transformer's attention weights as an indication of which inputs it used.",
        not_in_seeds("Jain & Wallace 2019, Attention is not Explanation"),
    ),
    _t(
        "feature-visualisation",
        "Feature visualisation",
        "gradient",
        [
            "feature visualisation",
            "feature visualization",
            "activation visualisation",
            "activation visualization",
            "activation maximisation",
            "activation maximization",
            "DeepDream",
            "deep dream",
        ],
        "Synthesises or selects inputs that maximally activate a neuron, channel or class.",
        BHATT,
    ),
    _t(
        "tcav",
        "TCAV",
        "gradient",
        ["concept activation vector", "testing with concept activation vectors"],
        "Tests how sensitive a prediction is to a human-defined concept learned in activation space.",
        not_in_seeds("Kim et al. 2018, Interpretability Beyond Feature Attribution (TCAV)"),
        acronyms=("TCAV",),
    ),
    _t(
        "probing-classifiers",
        "Probing classifiers",
        "gradient",
        ["probing classifier", "linear probe", "diagnostic classifier", "probing task"],
        "Trains a simple classifier on hidden representations to test what information they encode.",
        not_in_seeds("Alain & Bengio 2016, Understanding intermediate layers using linear classifier probes"),
    ),
    # --- example-based -------------------------------------------------------
    _t(
        "influence-functions",
        "Influence functions",
        "example",
        ["influence function", "influence score", "influence estimate"],
        "Estimates how up-weighting a training point would change the loss at a test point.",
        BHATT,
    ),
    _t(
        "influential-samples",
        "Influential samples",
        "example",
        [
            "influential sample",
            "influential training point",
            "influential training data",
            "influential training example",
            "influential data point",
            "influential datapoint",
            "influential example",
            "influential instance",
            "influential point",
        ],
        "Identifies the training points that most affect a given prediction.",
        BHATT,
    ),
    _t(
        "cooks-distance",
        "Cook's distance",
        "example",
        ["Cook's distance", "Cooks distance", "Cook distance", "Cook's D"],
        "Measures the effect of deleting one observation on a regression's fitted values (Cook 1977).",
        BHATT,
    ),
    _t(
        "prototypes",
        "Prototypes and criticisms",
        "example",
        [
            "prototypical example",
            "prototypical sample",
            "prototypical instance",
            "prototype explanation",
            "prototype-based explanation",
            "prototype-based model",
            "prototype classification",
            "prototype selection",
            "prototypes and criticisms",
            "prototype layer",
            "ProtoPNet",
        ],
        "Summarises a class or a model by representative examples (and the examples that are not).",
        LIPTON,
    ),
    _t(
        "explanation-by-example",
        "Explanation by example",
        "example",
        [
            "explanation by example",
            "explanations by example",
            "example-based explanation",
            "case-based reasoning",
            "case-based explanation",
            "explain by example",
        ],
        "Justifies a prediction by pointing to similar cases the model has seen.",
        LIPTON,
    ),
    _t(
        "nearest-neighbours",
        "Nearest neighbours",
        "example",
        [
            "nearest neighbour",
            "nearest neighbor",
            "k-nearest neighbour",
            "k-nearest neighbor",
            "kNN",
            "KNN",
            "k-NN",
            "similar training example",
        ],
        "Retrieves the training points closest to an input, often in the model's learned space.",
        LIPTON,
    ),
    # --- counterfactuals -----------------------------------------------------
    _t(
        "counterfactual-explanations",
        "Counterfactual explanations",
        "counterfactual",
        [
            "counterfactual explanation",
            "counterfactual",
            "counter factual",
            "counter factual explanation",
            "counterfactual example",
            "counterfactual datapoint",
            "counterfactual data point",
            "counterfactual point",
        ],
        "The smallest change to an input that would have changed the decision (Wachter et al. 2017).",
        BHATT,
    ),
    _t(
        "algorithmic-recourse",
        "Algorithmic recourse",
        "counterfactual",
        ["algorithmic recourse", "actionable recourse", "recourse explanation"],
        "Counterfactuals restricted to changes a person can actually make.",
        not_in_seeds("Ustun, Spangher & Liu 2019, Actionable Recourse in Linear Classification"),
    ),
    _t(
        "contrastive-explanations",
        "Contrastive explanations",
        "counterfactual",
        ["contrastive explanation"],
        "Explains why this outcome rather than another one (Miller 2019).",
        not_in_seeds("Miller 2019, Explanation in Artificial Intelligence: Insights from the Social Sciences"),
    ),
    _t(
        "what-if-tool",
        "What-If Tool",
        "counterfactual",
        ["What-If Tool", "What If Tool", "what-if analysis"],
        "Interactive probing of a model by editing inputs and comparing predictions.",
        not_in_seeds("Wexler et al. 2019, The What-If Tool"),
    ),
    # --- adversarial ---------------------------------------------------------
    _t(
        "adversarial-examples",
        "Adversarial examples",
        "adversarial",
        [
            "adversarial example",
            "adversarial input",
            "adversarial sample",
            "adversarial attack",
            "adversarial post",
            "adversarial image",
            "adversarial manipulation",
        ],
        "Inputs changed imperceptibly so that the model errs; a probe of what it relies on.",
        BHATT,
    ),
    _t(
        "adversarial-perturbations",
        "Adversarial perturbations",
        "adversarial",
        ["adversarial perturbation", "adversarial noise", "minimal perturbation"],
        "The small change that turns an input into an adversarial example.",
        BHATT,
    ),
    _t(
        "adversarial-training",
        "Adversarial training",
        "adversarial",
        ["adversarial training", "adversarially trained", "adversarial robustness", "adversarially robust"],
        "Trains on adversarial examples so the model is robust to them.",
        BHATT,
    ),
    _t(
        "projected-gradient-descent",
        "Projected gradient descent",
        "adversarial",
        ["projected gradient descent"],
        "Iterative attack that searches for the worst-case perturbation within a norm ball.",
        BHATT,
        acronyms=("PGD",),
    ),
    _t(
        "perturbation-methods",
        "Perturbation-based methods",
        "adversarial",
        [
            "perturbation-based method",
            "perturbation-based technique",
            "perturbation-based explanation",
            "perturbation analysis",
            "input perturbation",
            "perturbation test",
        ],
        "Explains a model by perturbing its inputs and observing the outputs.",
        BHATT,
    ),
    # --- global, local, surrogate --------------------------------------------
    _t(
        "partial-dependence",
        "Partial dependence plots",
        "global",
        ["partial dependence", "partial dependence plot", "partial dependency plot", "partial dependence curve"],
        "Shows the average prediction as one feature varies, marginalising over the others.",
        not_in_seeds("Friedman 2001, Greedy Function Approximation: A Gradient Boosting Machine"),
        acronyms=("PDP",),
    ),
    _t(
        "ice-plots",
        "Individual conditional expectation",
        "global",
        ["individual conditional expectation", "ICE plot", "ICE curve"],
        "One partial-dependence curve per instance, exposing heterogeneous effects.",
        not_in_seeds("Goldstein et al. 2015, Peeking Inside the Black Box"),
    ),
    _t(
        "ale-plots",
        "Accumulated local effects",
        "global",
        ["accumulated local effect", "accumulated local effects", "ALE plot"],
        "Partial-dependence alternative that stays faithful when features are correlated.",
        not_in_seeds("Apley & Zhu 2020, Visualizing the Effects of Predictor Variables in Black Box Models"),
    ),
    _t(
        "surrogate-models",
        "Surrogate models",
        "global",
        [
            "surrogate model",
            "global surrogate",
            "local surrogate",
            "surrogate tree",
            "surrogate decision tree",
            "interpretable surrogate",
            "surrogate explanation",
            "mimic model",
        ],
        "Approximates a black-box model with an interpretable one and reads the latter.",
        BHATT,
    ),
    _t(
        "model-distillation",
        "Model distillation",
        "global",
        ["model distillation", "knowledge distillation", "distilled model", "model compression"],
        "Trains a simpler student model to reproduce a complex teacher's outputs.",
        not_in_seeds("Hinton, Vinyals & Dean 2015, Distilling the Knowledge in a Neural Network"),
    ),
    _t(
        "global-explanations",
        "Global explanations",
        "global",
        ["global explanation", "global explainability", "global interpretability", "global interpretation"],
        "Characterises the model's behaviour as a whole rather than one prediction.",
        BHATT,
    ),
    _t(
        "local-explanations",
        "Local explanations",
        "global",
        ["local explanation", "local explainability", "local interpretability", "instance-level explanation"],
        "Explains the model's behaviour for one specific input.",
        BHATT,
    ),
    _t(
        "post-hoc-explanations",
        "Post-hoc explanations",
        "global",
        [
            "post-hoc explanation",
            "post-hoc interpretation",
            "post-hoc interpretability",
            "post-hoc explainability",
            "post-hoc method",
            "posthoc explanation",
        ],
        "Explanations produced after training without revealing how the model works inside.",
        LIPTON,
    ),
    _t(
        "natural-language-explanations",
        "Natural-language explanations",
        "global",
        ["natural language explanation", "textual explanation", "verbal explanation", "text explanation"],
        "Explains a prediction in words, written by people or generated by a model.",
        LIPTON,
    ),
    # --- transparent models --------------------------------------------------
    _t(
        "decision-trees",
        "Decision trees",
        "transparent",
        ["decision tree", "decision stump", "classification tree", "regression tree"],
        "A model whose prediction is a readable path of threshold tests from root to leaf.",
        LIPTON,
    ),
    _t(
        "linear-models",
        "Linear models",
        "transparent",
        [
            "linear model",
            "sparse linear model",
            "linear regression",
            "logistic regression",
            "lasso",
            "lasso regression",
            "generalised linear model",
            "generalized linear model",
            "regression coefficient",
        ],
        "A weighted sum of features whose weights can be read as strengths of association.",
        LIPTON,
        acronyms=("GLM",),
    ),
    _t(
        "rule-lists",
        "Rule lists",
        "transparent",
        ["rule list", "decision list", "falling rule list", "rule-based model", "rule-based system"],
        "An ordered list of if-then rules that a person can follow by hand.",
        LIPTON,
    ),
    _t(
        "generalised-additive-models",
        "Generalised additive models",
        "transparent",
        [
            "generalised additive model",
            "generalized additive model",
            "explainable boosting machine",
            "GA2M",
        ],
        "Sums one learned shape function per feature, so each feature's effect can be plotted.",
        f"{LIPTON} (intelligibility, citing Lou et al. 2012)",
        acronyms=("GAM", "EBM"),
    ),
    _t(
        "interpretable-models",
        "Inherently interpretable models",
        "transparent",
        [
            "interpretable model",
            "inherently interpretable",
            "inherently interpretable model",
            "intrinsically interpretable",
            "intrinsically interpretable model",
            "interpretable by design",
            "glass-box model",
            "glassbox model",
            "white-box model",
            "transparent model",
        ],
        "Models simple enough to be understood directly, rather than explained after the fact.",
        LIPTON,
    ),
    _t(
        "monotonic-constraints",
        "Monotonic constraints",
        "transparent",
        ["monotonic constraint", "monotonicity constraint", "monotone constraint"],
        "Forces the prediction to rise (or fall) with a feature, so the model matches domain knowledge.",
        not_in_seeds("e.g. Gupta et al. 2016, Monotonic Calibrated Interpolated Look-Up Tables"),
    ),
    _t(
        "simulatability",
        "Simulatability",
        "transparent",
        ["simulatability", "simulatable"],
        "Transparency of the whole model: a person can step through its computation in reasonable time.",
        LIPTON,
    ),
    _t(
        "decomposability",
        "Decomposability",
        "transparent",
        ["decomposability"],
        "Transparency of the parts: each input, parameter and calculation admits an intuitive explanation.",
        LIPTON,
    ),
    _t(
        "algorithmic-transparency",
        "Algorithmic transparency",
        "transparent",
        ["algorithmic transparency"],
        "Transparency of the learning algorithm: what it converges to is understood.",
        LIPTON,
    ),
    # --- visualising representations -----------------------------------------
    _t(
        "t-sne",
        "t-SNE",
        "visualisation",
        [
            "t-SNE",
            "tSNE",
            "TSNE",
            "t-sne",
            "t-distributed stochastic neighbour embedding",
            "t-distributed stochastic neighbor embedding",
        ],
        "Renders high-dimensional representations in 2-D so that neighbours stay close.",
        LIPTON,
    ),
    _t(
        "umap",
        "UMAP",
        "visualisation",
        ["uniform manifold approximation and projection"],
        "Non-linear 2-D projection of high-dimensional data, faster than t-SNE.",
        not_in_seeds("McInnes, Healy & Melville 2018, UMAP"),
        acronyms=("UMAP",),
    ),
    _t(
        "pca",
        "Principal component analysis",
        "visualisation",
        ["principal component analysis", "principal components analysis"],
        "Linear projection onto the directions of largest variance, used to inspect representations.",
        not_in_seeds("Pearson 1901, On Lines and Planes of Closest Fit"),
        acronyms=("PCA",),
    ),
    # --- calibration and uncertainty -----------------------------------------
    _t(
        "calibration",
        "Calibration",
        "uncertainty",
        [
            "model calibration",
            "probability calibration",
            "confidence calibration",
            "calibration curve",
            "calibration plot",
            "calibration error",
            "expected calibration error",
            "reliability diagram",
            "calibrated probability",
            "calibrated model",
            "well-calibrated",
            "well calibrated",
            "poorly calibrated",
            "miscalibrated",
            "miscalibration",
            "calibrate [the|our|its|their] model",
            "calibrate [the|our|its|their] probability",
            "calibrate [the|our|its|their] confidence",
            "calibrate [the|our|its|their] score",
            "calibrating the confidence of models",
            "Platt scaling",
            "temperature scaling",
            "isotonic calibration",
        ],
        "Makes predicted probabilities match observed frequencies (Guo et al. 2017).",
        HOPKINS,
    ),
    _t(
        "trust-calibration",
        "Trust calibration",
        "uncertainty",
        [
            "trust calibration",
            "calibrated trust",
            "calibrate [user|their|the|our] trust",
            "appropriate trust",
            "overreliance",
            "over-reliance",
        ],
        "Helping users trust a model as much as it deserves, no more and no less.",
        HOPKINS,
    ),
    _t(
        "uncertainty",
        "Uncertainty quantification",
        "uncertainty",
        [
            "uncertainty quantification",
            "uncertainty estimate",
            "uncertainty estimation",
            "uncertainty communication",
            "uncertainty visualisation",
            "uncertainty visualization",
            "communicate uncertainty",
            "communicating uncertainty",
            "model uncertainty",
            "predictive uncertainty",
            "prediction uncertainty",
            "decision uncertainty",
            "epistemic uncertainty",
            "aleatoric uncertainty",
            "Monte Carlo dropout",
            "deep ensemble",
            "confidence score",
        ],
        "Estimates and communicates how unsure a model is about each prediction.",
        HOPKINS,
    ),
    _t(
        "confidence-intervals",
        "Confidence and prediction intervals",
        "uncertainty",
        ["confidence interval", "prediction interval", "credible interval", "error bar"],
        "Ranges around an estimate or a prediction that express its uncertainty.",
        HOPKINS,
    ),
    _t(
        "conformal-prediction",
        "Conformal prediction",
        "uncertainty",
        ["conformal prediction", "conformal predictor", "conformal interval"],
        "Prediction sets with guaranteed coverage under exchangeability.",
        not_in_seeds("Vovk, Gammerman & Shafer 2005, Algorithmic Learning in a Random World"),
    ),
    # --- monitoring, validation, sensitivity ---------------------------------
    _t(
        "model-monitoring",
        "Model monitoring",
        "monitoring",
        [
            "model monitoring",
            "monitor [the|our|their|a|these|those] model",
            "performance monitoring",
            "monitoring dashboard",
            "production monitoring",
            "ongoing monitoring",
        ],
        "Watches a deployed model's inputs, outputs and performance for degradation.",
        BHATT,
    ),
    _t(
        "data-drift",
        "Data and concept drift",
        "monitoring",
        [
            "data drift",
            "concept drift",
            "feature drift",
            "model drift",
            "prediction drift",
            "label drift",
            "drift detection",
            "drift detector",
            "drift in [the] feature",
            "drift in [the] data",
            "drift in [the] prediction",
            "drift in [the] input",
            "drift in [the] distribution",
            "drift relative to [the] training distribution",
            "distribution shift",
            "covariate shift",
            "dataset shift",
            "population drift",
        ],
        "Change in the data or in the input-output relation after deployment that degrades a model.",
        BHATT,
    ),
    _t(
        "outlier-detection",
        "Outlier detection",
        "monitoring",
        [
            "outlier detection",
            "anomaly detection",
            "out-of-distribution detection",
            "OOD detection",
            "novelty detection",
        ],
        "Flags inputs unlike the training data, on which explanations and predictions are unreliable.",
        BHATT,
    ),
    _t(
        "sensitivity-analysis",
        "Sensitivity analysis",
        "monitoring",
        ["sensitivity analysis", "sensitivity test", "sensitivity testing", "local sensitivity"],
        "Checks how much outputs change under small changes to the inputs.",
        BHATT,
    ),
    _t(
        "stress-testing",
        "Stress testing",
        "monitoring",
        ["stress test", "stress testing", "stress-test"],
        "Runs the model on extreme or adverse scenarios before it is deployed.",
        BHATT,
    ),
    _t(
        "backtesting",
        "Back-testing",
        "monitoring",
        ["backtesting", "back-testing", "backtest", "back-test"],
        "Replays a model on historical data to compare its predictions with what happened.",
        BHATT,
    ),
    # --- governance ----------------------------------------------------------
    _t(
        "gdpr",
        "GDPR",
        "governance",
        ["General Data Protection Regulation", "Article 22"],
        "The EU regulation whose articles on automated decisions require meaningful information about their logic.",
        BHATT,
        acronyms=("GDPR",),
    ),
    _t(
        "right-to-explanation",
        "Right to explanation",
        "governance",
        ["right to explanation", "right to an explanation", "right to be given an explanation"],
        "The claimed legal right of people affected by automated decisions to an explanation.",
        LIPTON,
    ),
    _t(
        "reason-codes",
        "Reason codes",
        "governance",
        ["reason code", "adverse action notice", "adverse action code", "adverse action reason"],
        "The principal reasons for a credit denial that lenders must disclose.",
        not_in_seeds("US Equal Credit Opportunity Act, Regulation B (adverse action notices)"),
    ),
    _t(
        "model-cards",
        "Model cards",
        "governance",
        ["model card", "model cards for model reporting"],
        "A short standard document of a model's intended use, evaluation and limitations.",
        HOPKINS,
    ),
    _t(
        "datasheets",
        "Datasheets for datasets",
        "governance",
        ["datasheets for datasets", "datasheet for datasets", "dataset datasheet", "data statement"],
        "A standard document of how a dataset was collected, what it contains and its limits.",
        not_in_seeds("Gebru et al. 2018, Datasheets for Datasets"),
    ),
    _t(
        "algorithmic-auditing",
        "Algorithmic auditing",
        "governance",
        [
            "algorithmic audit",
            "algorithmic auditing",
            "bias audit",
            "fairness audit",
            "model audit",
            "model risk management",
        ],
        "Systematic review of a model against regulatory, ethical and performance standards.",
        HOPKINS,
    ),
    _t(
        "fairness-metrics",
        "Fairness metrics",
        "governance",
        [
            "demographic parity",
            "statistical parity",
            "equalised odds",
            "equalized odds",
            "disparate impact",
            "fairness metric",
            "fairness assessment",
        ],
        "Group-level measures that compare a model's outcomes or errors across groups.",
        HOPKINS,
    ),
)


@cache
def _index() -> dict[str, Technique]:
    return {t.slug: t for t in TECHNIQUES}


def by_slug(slug: str) -> Technique:
    """The technique with this slug; ``KeyError`` for an unknown slug."""
    return _index()[slug]


def by_family(family: str) -> tuple[Technique, ...]:
    return tuple(t for t in TECHNIQUES if t.family == family)
