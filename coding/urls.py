from django.urls import path  # noqa: F401

app_name = "coding"
urlpatterns: list = [
    # --- codebook ---
    # --- memos ---
    # --- history and activity ---
    # --- codings in the reader ---
    # --- retrieval, keyword in context, auto-coding ---
]
