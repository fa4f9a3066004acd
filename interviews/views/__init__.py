"""Views of the corpus, one module per area."""
