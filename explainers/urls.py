from django.urls import path

from . import views

app_name = "explainers"
urlpatterns = [
    path("techniques/", views.technique_list, name="technique_list"),
    path("techniques/<slug:technique_slug>/", views.technique_detail, name="technique_detail"),
]
