"""Filters of the findings list."""

from django.db.models import Q
from django_filters import rest_framework as filters

from common.errors import DomainError
from pods.models import Modality
from qa.models import Check, Finding, FindingStatus, FindingType, Severity


class FindingFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id")
    datapoint = filters.NumberFilter(field_name="datapoint_id")
    pod = filters.NumberFilter(field_name="datapoint__pod_id", label="Pod of the data point")
    type = filters.ChoiceFilter(choices=FindingType.choices)
    check = filters.ChoiceFilter(field_name="check_code", choices=Check.choices)
    status = filters.ChoiceFilter(choices=FindingStatus.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    entity = filters.CharFilter()
    modality = filters.ChoiceFilter(
        choices=Modality.choices, method="filter_modality", label="Either modality of the pair"
    )
    modality_pair = filters.CharFilter(
        method="filter_modality_pair", label="Two modalities, comma-separated, in any order"
    )

    class Meta:
        model = Finding
        fields: list[str] = []

    def filter_modality(self, queryset, name, value):
        return queryset.filter(Q(modality_a=value) | Q(modality_b=value))

    def filter_modality_pair(self, queryset, name, value):
        parts = sorted(part.strip() for part in value.replace("|", ",").split(",") if part.strip())
        if len(parts) == 1:
            return queryset.filter(modality_a=parts[0], modality_b="")
        if len(parts) != 2:
            raise DomainError("Give two modalities, e.g. audio,video.", field="modality_pair")
        return queryset.filter(modality_a=parts[0], modality_b=parts[1])
