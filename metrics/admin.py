from django.contrib import admin

from metrics.models import (
    CalibrationIteration,
    Guideline,
    IterationSnapshot,
    ProjectQualitySnapshot,
)


@admin.register(CalibrationIteration)
class CalibrationIterationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "overlap", "guideline", "opened_at", "closed_at"]
    list_filter = ["status", "pod"]
    raw_id_fields = ["datapoints", "opened_by", "guideline"]
    list_select_related = ["project", "pod", "guideline"]


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["__str__", "started_iteration", "created_at"]
    raw_id_fields = ["started_iteration", "published_by"]


@admin.register(IterationSnapshot)
class IterationSnapshotAdmin(admin.ModelAdmin):
    list_display = ["iteration", "computed_at"]
    raw_id_fields = ["iteration"]


@admin.register(ProjectQualitySnapshot)
class ProjectQualitySnapshotAdmin(admin.ModelAdmin):
    list_display = ["project", "computed_at"]
    list_filter = ["project"]
