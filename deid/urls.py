from django.urls import path

from . import views

app_name = "deid"
urlpatterns = [
    path("deid/", views.mapping, name="mapping"),
    path("deid/applications/<int:application_id>/revert/", views.revert, name="revert"),
    path("documents/<uuid:transcript_uuid>/deid/", views.review, name="review"),
    path("documents/<uuid:transcript_uuid>/deid/scan/", views.scan, name="scan"),
    path("documents/<uuid:transcript_uuid>/deid/decide/", views.decide, name="decide"),
    path("documents/<uuid:transcript_uuid>/deid/apply/", views.apply, name="apply"),
]
