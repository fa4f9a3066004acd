from django.urls import path

from .views import imports, participants, protocols, transcripts

app_name = "interviews"
urlpatterns = [
    # --- participants and attributes ---
    path("participants/", participants.participant_list, name="participant_list"),
    path("participants/<uuid:participant_uuid>/", participants.participant_detail, name="participant_detail"),
    # --- protocols ---
    path("protocols/<uuid:protocol_uuid>/", protocols.protocol_detail, name="protocol_detail"),
    # --- documents: list, import, metadata, speakers, corrections ---
    path("documents/import/", imports.import_documents, name="import"),
    path("documents/imports/", imports.import_jobs, name="import_jobs"),
    # --- transcript reader ---
    path("documents/<uuid:transcript_uuid>/", transcripts.transcript_detail, name="transcript_detail"),
]
