from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="studies:list", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True), name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("studies/", include("studies.urls")),
    path("studies/<slug:slug>/", include("interviews.urls")),
    path("studies/<slug:slug>/", include("coding.urls")),
    path("admin/", admin.site.urls),
]
