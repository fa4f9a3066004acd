"""URLs of the themes app, under studies/<slug>/ (namespace "themes").

Each helper appends its own section; keep the sections in this order and every new URL in the
permission matrix (tests/permissions/)."""

from django.urls import path

from .views import analytics, board, browse, findings, themes

app_name = "themes"
urlpatterns = [
    # --- board and themes (THEMES) ---
    path("themes/", board.board, name="board"),
    path("themes/codes/move/", board.code_move, name="code_move"),
    path("themes/suggestions/", board.suggestions, name="suggestions"),
    path("themes/suggestions/decide/", board.suggestion_decide, name="suggestion_decide"),
    path("themes/<uuid:theme_uuid>/", themes.theme_detail, name="detail"),
    path("themes/<uuid:theme_uuid>/boundary/", themes.theme_boundary, name="boundary"),
    path("themes/<uuid:theme_uuid>/edit/", themes.theme_edit, name="edit"),
    path("themes/<uuid:theme_uuid>/move/", board.theme_move, name="move"),
    path("themes/<uuid:theme_uuid>/status/", themes.theme_status, name="status"),
    path("themes/<uuid:theme_uuid>/delete/", themes.theme_delete, name="delete"),
    path("themes/<uuid:theme_uuid>/restore/", themes.theme_restore, name="restore"),
    # --- findings and browse (FINDINGS) ---
    path("themes/<uuid:theme_uuid>/findings/new/", findings.finding_create, name="finding_create"),
    path("findings/<uuid:finding_uuid>/", findings.finding_detail, name="finding_detail"),
    path("findings/<uuid:finding_uuid>/edit/", findings.finding_edit, name="finding_edit"),
    path("findings/<uuid:finding_uuid>/delete/", findings.finding_delete, name="finding_delete"),
    path("findings/<uuid:finding_uuid>/restore/", findings.finding_restore, name="finding_restore"),
    path("findings/<uuid:finding_uuid>/excerpts/add/", findings.excerpt_add, name="excerpt_add"),
    path(
        "findings/<uuid:finding_uuid>/excerpts/<uuid:excerpt_uuid>/drop/",
        findings.excerpt_remove,
        name="excerpt_remove",
    ),
    path("findings/<uuid:finding_uuid>/excerpts/<uuid:excerpt_uuid>/move/", findings.excerpt_move, name="excerpt_move"),
    path("findings/<uuid:finding_uuid>/cite/", findings.finding_cite, name="finding_cite"),
    path("findings/<uuid:finding_uuid>/attribute/", findings.finding_attribute, name="finding_attribute"),
    path("findings/<uuid:finding_uuid>/uncite/", findings.finding_uncite, name="finding_uncite"),
    path("browse/", browse.browse, name="browse"),
    path("browse/<uuid:theme_uuid>/", browse.browse_theme, name="browse_theme"),
    # --- analytics (ANALYTICS) ---
    path("analytics/", analytics.analytics_index, name="analytics"),
    path("analytics/cooccurrence/", analytics.cooccurrence, name="analytics_cooccurrence"),
    path("analytics/crosstab/", analytics.crosstab, name="analytics_crosstab"),
    path("analytics/frequencies/", analytics.frequencies, name="analytics_frequencies"),
    path("analytics/saturation/", analytics.saturation, name="analytics_saturation"),
    path("analytics/map/", analytics.thematic_map, name="analytics_map"),
]
