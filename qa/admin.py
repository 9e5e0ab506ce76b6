from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from qa.models import (
    DataPointValidation,
    Escalation,
    EscalationFinding,
    Finding,
    FindingAnnotation,
)


class FindingAnnotationInline(admin.TabularInline):
    model = FindingAnnotation
    extra = 0
    raw_id_fields = ["annotation"]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "datapoint",
        "project",
        "type",
        "check_code",
        "severity",
        "status",
        "entity",
        "modality_a",
        "modality_b",
        "measured",
        "updated_at",
    ]
    list_filter = ["status", "type", "check_code", "severity", "project"]
    search_fields = ["key", "entity", "message", "datapoint__external_id"]
    raw_id_fields = ["datapoint", "project"]
    readonly_fields = ["key", "created_at", "updated_at"]
    list_select_related = ["datapoint", "project"]
    inlines = [FindingAnnotationInline]


@admin.register(DataPointValidation)
class DataPointValidationAdmin(admin.ModelAdmin):
    list_display = ["datapoint", "project", "validated_at", "finding_count"]
    list_filter = ["project"]
    raw_id_fields = ["datapoint", "project"]
    list_select_related = ["datapoint", "project"]


class EscalationFindingInline(admin.TabularInline):
    model = EscalationFinding
    extra = 0
    raw_id_fields = ["finding"]


@admin.register(Escalation)
class EscalationAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "datapoint",
        "project",
        "modality_a",
        "modality_b",
        "severity",
        "status",
        "expert",
        "due_at",
        "raised_at",
    ]
    list_filter = ["status", "severity", "project"]
    search_fields = ["datapoint__external_id", "note"]
    raw_id_fields = ["datapoint", "project", "expert"]
    list_select_related = ["datapoint", "project", "expert"]
    inlines = [EscalationFindingInline]
