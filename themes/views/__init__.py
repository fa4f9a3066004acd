"""Views of the themes app: the board, a theme's page (THEMES), findings and browse mode (FINDINGS),
analytics (ANALYTICS)."""
