"""Input and output shapes of the people, client and pod endpoints.

Inputs check types and formats only; the services decide everything else (uniqueness,
role and client rules, skills), so the pages and the API refuse the same things.
"""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pods.models import Client, Modality, Person, Pod, PodMember, Role, SkillLevel

MODALITY_ERRORS = {"invalid_choice": "'{input}' is not a modality."}


class ClientOutput(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "created_at", "updated_at"]


class ClientInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class SkillSerializer(serializers.Serializer):
    modality = serializers.ChoiceField(choices=Modality.choices, error_messages=MODALITY_ERRORS)
    level = serializers.ChoiceField(choices=SkillLevel.choices)


class PersonOutput(serializers.ModelSerializer):
    skills = SkillSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "client",
            "skills",
            "capacity",
            "is_available",
            "is_active",
        ]


class _PasswordMixin:
    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class PersonCreateInput(_PasswordMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), required=False, allow_null=True
    )
    skills = SkillSerializer(many=True, required=False)
    capacity = serializers.IntegerField(required=False, min_value=0)


class PersonUpdateInput(_PasswordMixin, serializers.Serializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), required=False, allow_null=True
    )
    skills = SkillSerializer(many=True, required=False)
    capacity = serializers.IntegerField(required=False, min_value=0)
    is_available = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class PodOutput(serializers.ModelSerializer):
    lead = serializers.SerializerMethodField(help_text="The lead's person id, if any.")
    coverage = serializers.SerializerMethodField(
        help_text="Modalities the pod has at least one member for, in the usual order."
    )

    class Meta:
        model = Pod
        fields = ["id", "name", "client", "is_active", "lead", "coverage", "created_at"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_lead(self, pod: Pod) -> int | None:
        return next((m.person_id for m in pod.members.all() if m.is_lead), None)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Modality.choices)))
    def get_coverage(self, pod: Pod) -> list[str]:
        held = {member.modality for member in pod.members.all()}
        return [modality for modality in Modality.values if modality in held]


class PodInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), required=False, allow_null=True
    )


class PodUpdateInput(PodInput):
    name = serializers.CharField(max_length=200, required=False)
    is_active = serializers.BooleanField(required=False)


class PodMemberOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="person.username", read_only=True)
    level = serializers.SerializerMethodField(
        help_text="The member's skill level in this modality."
    )

    class Meta:
        model = PodMember
        fields = ["id", "person", "username", "modality", "is_lead", "level"]

    @extend_schema_field(serializers.ChoiceField(SkillLevel.choices, allow_null=True))
    def get_level(self, member: PodMember) -> str | None:
        skills = member.person.skills.all()
        return next((s.level for s in skills if s.modality == member.modality), None)


class PodMemberInput(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    modality = serializers.ChoiceField(choices=Modality.choices, error_messages=MODALITY_ERRORS)
    is_lead = serializers.BooleanField(default=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
