from django.urls import path

from . import views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("new/", views.study_create, name="create"),
    path("<slug:slug>/", views.study_dashboard, name="dashboard"),
    path("<slug:slug>/settings/", views.study_edit, name="edit"),
    path("<slug:slug>/members/", views.member_list, name="members"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/invitations/new/", views.invitation_create, name="invitation_create"),
    path("<slug:slug>/invitations/<uuid:invitation_uuid>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<slug:slug>/jobs/<uuid:job_uuid>/", views.job_detail, name="job_detail"),
    path("<slug:slug>/jobs/<uuid:job_uuid>/download/", views.job_download, name="job_download"),
    path("<slug:slug>/jobs/<uuid:job_uuid>/retry/", views.job_retry, name="job_retry"),
]
