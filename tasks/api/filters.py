"""Query filters of the task-side endpoints.

Foreign keys are filtered by plain ids (IdFilter), never ModelChoiceFilter: that
one checks the id against every row of the table and would answer "not a valid
choice" for an invisible project but an empty list for a missing one, telling a
stranger which ids exist. Filters narrow the caller's scoped queryset, nothing more.
"""

import django_filters

from common.api import IdFilter
from pods.models import Modality
from tasks.models import Annotation, AnnotationKind, DataPoint, Ontology, Project, Task, TaskStatus


class OntologyFilter(django_filters.FilterSet):
    version = IdFilter()

    class Meta:
        model = Ontology
        fields = ["name", "version"]


class ProjectFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")

    class Meta:
        model = Project
        fields = ["client", "is_active"]


class DataPointFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    pod = IdFilter(field_name="pod_id")

    class Meta:
        model = DataPoint
        fields = ["project", "pod", "external_id", "is_calibration"]


class TaskFilter(django_filters.FilterSet):
    project = IdFilter(field_name="datapoint__project_id")
    datapoint = IdFilter(field_name="datapoint_id")
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)
    modality = django_filters.ChoiceFilter(choices=Modality.choices)

    class Meta:
        model = Task
        fields = ["project", "datapoint", "status", "modality"]


class AnnotationFilter(django_filters.FilterSet):
    task = IdFilter(field_name="task_id")
    datapoint = IdFilter(field_name="task__datapoint_id")
    stream = IdFilter(field_name="stream_id")
    kind = django_filters.ChoiceFilter(choices=AnnotationKind.choices)
    label = django_filters.CharFilter()
    entity = django_filters.CharFilter()

    class Meta:
        model = Annotation
        fields = ["task", "datapoint", "stream", "label", "entity", "kind"]
