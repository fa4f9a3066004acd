from django.contrib import admin

from .models import Invitation, Job, Membership, StagedUpload, Study


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "created_at")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("study", "role", "note", "created_at", "expires_at", "accepted_by", "revoked_at")
    list_filter = ("role",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("kind", "study", "status", "progress", "input_name", "created_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("uuid", "created_at", "started_at", "finished_at")


@admin.register(StagedUpload)
class StagedUploadAdmin(admin.ModelAdmin):
    list_display = ("kind", "name", "study", "user", "created_at", "expires_at")
    list_filter = ("kind",)
    exclude = ("data",)
    readonly_fields = ("uuid", "created_at")
