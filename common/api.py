"""API pieces every app shares: pagination and an exception handler that turns
domain errors into 400s naming the field."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination
from rest_framework.request import Request
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """DomainError and Django's ValidationError become 400s with the field named."""
    if isinstance(exc, DomainError):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


def validated(serializer_class, request: Request, **kwargs) -> dict:
    """The request body checked by an input serializer (a 400 naming the field if not)."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class IdFilter(django_filters.NumberFilter):
    """A positive whole number (an id, a version) that a database column can hold;
    anything else is a 400 naming the filter (SQLite cannot even compare a larger one)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
