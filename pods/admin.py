from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pods.models import Client, Person, Pod, PodMember, Skill


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 0


class PodMemberInline(admin.TabularInline):
    model = PodMember
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ["username", "email", "role", "client", "capacity", "is_available", "is_active"]
    list_filter = ["role", "client", "is_available", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("SyncPod", {"fields": ("role", "client", "capacity", "is_available")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("SyncPod", {"fields": ("role", "client")}),
    )
    inlines = [SkillInline]


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "is_active", "created_at"]
    list_filter = ["is_active", "client"]
    search_fields = ["name"]
    inlines = [PodMemberInline]
