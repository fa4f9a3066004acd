from django.urls import path

from .views import documents, imports, participants, protocols, transcripts

app_name = "interviews"
urlpatterns = [
    # --- participants and attributes ---
    path("participants/", participants.participant_list, name="participant_list"),
    path("participants/new/", participants.participant_create, name="participant_create"),
    path("participants/export/", participants.participant_export, name="participant_export"),
    path("participants/import/", participants.participant_import, name="participant_import"),
    path("participants/import/<uuid:table_uuid>/", participants.participant_import_map, name="participant_import_map"),
    path("participants/<uuid:participant_uuid>/", participants.participant_detail, name="participant_detail"),
    path("participants/<uuid:participant_uuid>/edit/", participants.participant_edit, name="participant_edit"),
    path("participants/<uuid:participant_uuid>/delete/", participants.participant_delete, name="participant_delete"),
    path("attributes/", participants.attribute_list, name="attribute_list"),
    path("attributes/<uuid:attribute_uuid>/", participants.attribute_edit, name="attribute_edit"),
    path("attributes/<uuid:attribute_uuid>/delete/", participants.attribute_delete, name="attribute_delete"),
    # --- protocols ---
    path("protocols/", protocols.protocol_list, name="protocol_list"),
    path("protocols/<uuid:protocol_uuid>/", protocols.protocol_detail, name="protocol_detail"),
    path("protocols/<uuid:protocol_uuid>/delete/", protocols.protocol_delete, name="protocol_delete"),
    # --- documents: list, import, metadata, speakers, corrections ---
    path("documents/", documents.document_list, name="document_list"),
    path("documents/import/", imports.import_documents, name="import"),
    path("documents/import/preview/", imports.import_preview, name="import_preview"),
    path("documents/import/preview/<uuid:staged_uuid>/", imports.import_preview_file, name="import_preview_file"),
    path("documents/imports/", imports.import_jobs, name="import_jobs"),
    path("documents/<uuid:transcript_uuid>/details/", documents.document_edit, name="document_edit"),
    path("documents/<uuid:transcript_uuid>/speakers/", documents.document_speakers, name="document_speakers"),
    path("documents/<uuid:transcript_uuid>/speakers/merge/", documents.speakers_merge, name="speakers_merge"),
    path("documents/<uuid:transcript_uuid>/turns/reassign/", documents.turn_reassign, name="turn_reassign"),
    path("documents/<uuid:transcript_uuid>/turns/split/", documents.turn_split, name="turn_split"),
    path("documents/<uuid:transcript_uuid>/turns/join/", documents.turn_join, name="turn_join"),
    path("documents/<uuid:transcript_uuid>/questions/", documents.document_questions, name="document_questions"),
    path("documents/<uuid:transcript_uuid>/correct/", documents.document_correct, name="document_correct"),
    path("documents/<uuid:transcript_uuid>/delete/", documents.document_delete, name="document_delete"),
    # --- transcript reader ---
    path("documents/<uuid:transcript_uuid>/", transcripts.transcript_detail, name="transcript_detail"),
]
