from django.urls import path

from .views import codings

app_name = "coding"
urlpatterns = [
    # --- codebook ---
    # --- memos ---
    # --- history and activity ---
    # --- codings in the reader ---
    path("documents/<uuid:transcript_uuid>/codings/", codings.transcript_codings, name="transcript_codings"),
    path("documents/<uuid:transcript_uuid>/codings/new/", codings.apply_coding, name="apply"),
    path("codings/<uuid:coding_uuid>/", codings.change_coding, name="change"),
    path("codings/<uuid:coding_uuid>/remove/", codings.remove_coding, name="remove"),
    # --- retrieval, keyword in context, auto-coding ---
]
