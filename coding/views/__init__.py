"""Views of the coding workspace, one module per area."""
