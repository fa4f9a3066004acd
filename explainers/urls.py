from django.urls import path

from . import views

app_name = "explainers"
urlpatterns = [
    path("techniques/", views.technique_list, name="technique_list"),
    path("techniques/<slug:technique_slug>/", views.technique_detail, name="technique_detail"),
    # The explainer sandbox: every live demo; one demo (its page, and its htmx result fragment); a
    # demo's heavy computation (GET: its state for these settings; POST: start it).
    path("sandbox/", views.sandbox, name="sandbox"),
    path("sandbox/<str:demo_key>/", views.demo, name="demo"),
    path("sandbox/<str:demo_key>/heavy/<str:task>/", views.heavy, name="heavy"),
]
