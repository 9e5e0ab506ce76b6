from django.contrib import admin

from tasks.models import (
    Annotation,
    Attribute,
    DataPoint,
    Job,
    Ontology,
    Project,
    Stream,
    Task,
    Term,
)


class TermInline(admin.TabularInline):
    model = Term
    extra = 0
    fk_name = "ontology"
    raw_id_fields = ["parent"]


class AttributeInline(admin.TabularInline):
    model = Attribute
    extra = 0


@admin.register(Ontology)
class OntologyAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "created_at"]
    search_fields = ["name"]
    inlines = [TermInline, AttributeInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "ontology", "overlap", "is_active"]
    list_filter = ["client", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["pods"]


class StreamInline(admin.TabularInline):
    model = Stream
    extra = 0


@admin.register(DataPoint)
class DataPointAdmin(admin.ModelAdmin):
    list_display = ["external_id", "project", "pod", "is_calibration", "created_at"]
    list_filter = ["project", "pod", "is_calibration"]
    search_fields = ["external_id"]
    inlines = [StreamInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "datapoint", "modality", "assignee", "pod", "status", "copy"]
    list_filter = ["status", "modality", "pod", "is_imported"]
    raw_id_fields = ["datapoint", "assignee"]
    search_fields = ["datapoint__external_id", "assignee__username"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "label", "entity", "start_ms", "end_ms", "stream"]
    list_filter = ["kind"]
    raw_id_fields = ["task", "stream"]
    search_fields = ["label", "entity"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "project", "status", "done", "total", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["payload", "result", "error"]
