"""The code-suggestion pages of a study (included under studies/<slug>/)."""

from django.urls import path

from . import views

app_name = "assist"
urlpatterns = [
    path("suggestions/", views.queue, name="queue"),
    path("suggestions/retrain/", views.retrain, name="retrain"),
    path("suggestions/<uuid:suggestion_uuid>/accept/", views.accept, name="accept"),
    path("suggestions/<uuid:suggestion_uuid>/reject/", views.reject, name="reject"),
    path("suggestions/<uuid:suggestion_uuid>/undo/", views.undo, name="undo"),
    path("codes/<uuid:code_uuid>/rules/", views.rule_create, name="rule_create"),
    path("suggestion-rules/<uuid:rule_uuid>/edit/", views.rule_update, name="rule_update"),
    path("suggestion-rules/<uuid:rule_uuid>/delete/", views.rule_delete, name="rule_delete"),
]
