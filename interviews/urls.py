from django.urls import path

from .views import imports, participants, protocols, transcripts

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
    path("protocols/<uuid:protocol_uuid>/", protocols.protocol_detail, name="protocol_detail"),
    # --- documents: list, import, metadata, speakers, corrections ---
    path("documents/import/", imports.import_documents, name="import"),
    path("documents/imports/", imports.import_jobs, name="import_jobs"),
    # --- transcript reader ---
    path("documents/<uuid:transcript_uuid>/", transcripts.transcript_detail, name="transcript_detail"),
]
