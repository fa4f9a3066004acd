"""The demo modules; importing this package registers every demo (see `explainers.sandbox.base`)."""

from . import attribution, counterfactual, examples_global, gradients, text  # noqa: F401
