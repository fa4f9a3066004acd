from django.urls import path

from .views import autocode, codebook, codings, history, memos, retrieval

app_name = "coding"
urlpatterns = [
    # --- codebook ---
    path("codebook/", codebook.codebook, name="codebook"),
    path("codebook/export.csv", codebook.codebook_export, name="codebook_export"),
    path("codebook/import/", codebook.codebook_import, name="codebook_import"),
    path("codebook/deleted/", codebook.codebook_deleted, name="codebook_deleted"),
    path("codes/<uuid:code_uuid>/", codebook.code_detail, name="code_detail"),
    path("codes/<uuid:code_uuid>/move/", codebook.code_move, name="code_move"),
    path("codes/<uuid:code_uuid>/merge/", codebook.code_merge, name="code_merge"),
    path("codes/<uuid:code_uuid>/split/", codebook.code_split, name="code_split"),
    path("codes/<uuid:code_uuid>/delete/", codebook.code_delete, name="code_delete"),
    # --- memos ---
    path("memos/", memos.memo_list, name="memo_list"),
    path("memos/new/", memos.memo_new, name="memo_new"),
    path("memos/<uuid:memo_uuid>/", memos.memo_edit, name="memo_edit"),
    path("memos/<uuid:memo_uuid>/delete/", memos.memo_delete, name="memo_delete"),
    # --- history and activity ---
    path("activity/", history.activity, name="activity"),
    path("undo/", history.undo, name="undo"),
    # --- codings in the reader ---
    path("documents/<uuid:transcript_uuid>/codings/", codings.transcript_codings, name="transcript_codings"),
    path("documents/<uuid:transcript_uuid>/codings/new/", codings.apply_coding, name="apply"),
    path("codings/<uuid:coding_uuid>/", codings.change_coding, name="change"),
    path("codings/<uuid:coding_uuid>/remove/", codings.remove_coding, name="remove"),
    # --- retrieval, keyword in context, auto-coding ---
    path("retrieve/", retrieval.retrieval, name="retrieval"),
    path("retrieve/export.csv", retrieval.retrieval_export, name="retrieval_export"),
    path("retrieve/context/<uuid:transcript_uuid>/", retrieval.segment_context, name="segment_context"),
    path("kwic/", retrieval.kwic, name="kwic"),
    path("autocode/", autocode.autocode, name="autocode"),
]
