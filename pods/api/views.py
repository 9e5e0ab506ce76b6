"""Clients, people and pods over REST, plus the token endpoint. Thin: read through
the scoped selectors, write through the services, answer with the output serializers."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import IdFilter, validated
from pods.api import serializers as s
from pods.models import Client, Modality, Person, Pod, Role
from pods.permissions import IsOpsManagerOrReadOnly
from pods.selectors import (
    client_list_for_user,
    person_list_for_user,
    pod_member_list,
    pod_with_members_list_for_user,
)
from pods.services import (
    client_create,
    client_update,
    person_create,
    person_update,
    pod_create,
    pod_member_add,
    pod_member_remove,
    pod_update,
)

ID = r"[0-9]+"


def skill_pairs(skills: list[dict]) -> list[tuple[str, str]]:
    return [(skill["modality"], skill["level"]) for skill in skills]


@extend_schema(request=AuthTokenSerializer, responses=s.TokenOutput)
class TokenCreateView(ObtainAuthToken):
    """Trade a username and password for the token to send as `Authorization: Token <key>`.
    Wrong credentials are a 400 naming `non_field_errors`."""


class ClientFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Client
        fields = ["name"]


class PersonFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    client = IdFilter(field_name="client_id")
    modality = django_filters.ChoiceFilter(
        field_name="skills__modality", choices=Modality.choices, distinct=True
    )

    class Meta:
        model = Person
        fields = ["role", "client", "modality", "is_available"]


class PodFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")

    class Meta:
        model = Pod
        fields = ["client", "is_active"]


class ClientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Client organisations. Operations managers create and rename them; others read
    the clients they work for (viewers: their own)."""

    queryset = Client.objects.none()
    serializer_class = s.ClientOutput
    permission_classes = [IsAuthenticated, IsOpsManagerOrReadOnly]
    filterset_class = ClientFilter
    ordering_fields = ["name", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        return client_list_for_user(user=self.request.user)

    @extend_schema(request=s.ClientInput, responses={201: s.ClientOutput})
    def create(self, request: Request) -> Response:
        client = client_create(**validated(s.ClientInput, request))
        return Response(s.ClientOutput(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ClientInput, responses=s.ClientOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        client = self.get_object()
        client = client_update(client=client, **validated(s.ClientInput, request, partial=True))
        return Response(s.ClientOutput(client).data)


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts. Staff see everyone, pod members their pods' people, client viewers
    only themselves: no other name ever reaches a client."""

    queryset = Person.objects.none()
    serializer_class = s.PersonOutput
    permission_classes = [IsAuthenticated, IsOpsManagerOrReadOnly]
    filterset_class = PersonFilter
    ordering_fields = ["username", "role", "date_joined"]
    lookup_value_regex = ID

    def get_queryset(self):
        return person_list_for_user(user=self.request.user)

    @extend_schema(request=s.PersonCreateInput, responses={201: s.PersonOutput})
    def create(self, request: Request) -> Response:
        data = validated(s.PersonCreateInput, request)
        person = person_create(skills=skill_pairs(data.pop("skills", [])), **data)
        return Response(s.PersonOutput(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PersonUpdateInput, responses=s.PersonOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        data = validated(s.PersonUpdateInput, request, partial=True)
        skills = data.pop("skills", None)
        person = person_update(
            person=person, skills=None if skills is None else skill_pairs(skills), **data
        )
        return Response(s.PersonOutput(self.get_queryset().get(pk=person.pk)).data)


MEMBER_ID = OpenApiParameter("member_pk", int, OpenApiParameter.PATH, description="Member id.")


class PodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cross-modality pods. Operations managers form them and change their members;
    members read their own pods; client viewers see none."""

    queryset = Pod.objects.none()
    serializer_class = s.PodOutput
    permission_classes = [IsAuthenticated, IsOpsManagerOrReadOnly]
    filterset_class = PodFilter
    ordering_fields = ["name", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self):
        return pod_with_members_list_for_user(user=self.request.user)

    def _output(self, pod: Pod) -> dict:
        return s.PodOutput(self.get_queryset().get(pk=pod.pk)).data

    @extend_schema(request=s.PodInput, responses={201: s.PodOutput})
    def create(self, request: Request) -> Response:
        pod = pod_create(**validated(s.PodInput, request))
        return Response(self._output(pod), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PodUpdateInput, responses=s.PodOutput)
    def partial_update(self, request: Request, pk: str) -> Response:
        pod = pod_update(pod=self.get_object(), **validated(s.PodUpdateInput, request))
        return Response(self._output(pod))

    @extend_schema(
        methods=["GET"], responses=s.PodMemberOutput(many=True), filters=False, summary="Members"
    )
    @extend_schema(
        methods=["POST"],
        request=s.PodMemberInput,
        responses={201: s.PodMemberOutput},
        summary="Add a member",
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, ordering_fields=[])
    def members(self, request: Request, pk: str) -> Response:
        """A pod's members; adding one checks their skill for the modality, and making
        them lead takes the lead from whoever held it."""
        pod = self.get_object()
        if request.method == "POST":
            member = pod_member_add(pod=pod, **validated(s.PodMemberInput, request))
            member = pod_member_list(pod=pod).get(pk=member.pk)
            return Response(s.PodMemberOutput(member).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(pod_member_list(pod=pod))
        return self.get_paginated_response(s.PodMemberOutput(page, many=True).data)

    @extend_schema(parameters=[MEMBER_ID], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"members/(?P<member_pk>{ID})")
    def remove_member(self, request: Request, pk: str, member_pk: str) -> Response:
        """Take a person out of one modality role of the pod."""
        pod = self.get_object()
        pod_member_remove(member=get_object_or_404(pod.members, pk=member_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
