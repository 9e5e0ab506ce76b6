"""People, their skills, client organisations and cross-modality pods.

`Client` lives here rather than in `tasks` because people (client viewers) and pods
(client affinity) point at it, and `pods` is the bottom layer of the app graph.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from common.models import TimestampedModel


class Modality(models.TextChoices):
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    TEXT = "text", "Text"
    IMAGE = "image", "Image"
    POINTCLOUD = "pointcloud", "Point cloud (LiDAR)"
    METADATA = "metadata", "Metadata"


class Role(models.TextChoices):
    OPS_MANAGER = "ops_manager", "Operations manager"
    POD_LEAD = "pod_lead", "Pod lead"
    SPECIALIST = "specialist", "Specialist"
    EXPERT = "expert", "Expert reviewer"
    CLIENT_VIEWER = "client_viewer", "Client viewer"


class SkillLevel(models.TextChoices):
    JUNIOR = "junior", "Junior"
    SENIOR = "senior", "Senior"
    EXPERT = "expert", "Expert"


class Client(TimestampedModel):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(AbstractUser):
    """An account. Client viewers belong to exactly one client; staff to none."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SPECIALIST)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="viewers"
    )
    capacity = models.PositiveIntegerField(
        default=20, help_text="Most open tasks this person holds at once."
    )
    is_available = models.BooleanField(default=True)

    class Meta:
        ordering = ["username"]
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="person_role_valid"),
            models.CheckConstraint(
                condition=~Q(role=Role.CLIENT_VIEWER) | Q(client__isnull=False),
                name="client_viewer_has_client",
            ),
        ]

    def __str__(self) -> str:
        return self.username


class Skill(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    level = models.CharField(max_length=10, choices=SkillLevel.choices, default=SkillLevel.JUNIOR)

    class Meta:
        ordering = ["person_id", "modality"]
        constraints = [
            models.UniqueConstraint(fields=["person", "modality"], name="one_skill_per_modality"),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="skill_modality_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=SkillLevel.values), name="skill_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.modality} ({self.level})"


class Pod(TimestampedModel):
    """A cross-modality team. `client` is an optional affinity used by routing."""

    name = models.CharField(max_length=200, unique=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="pods"
    )
    is_active = models.BooleanField(default=True)
    people = models.ManyToManyField(Person, through="PodMember", related_name="pods")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PodMember(TimestampedModel):
    """A person's modality role in a pod; their skill level comes from `Skill`."""

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    is_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["pod_id", "modality", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pod", "person", "modality"], name="one_role_per_member_modality"
            ),
            models.UniqueConstraint(
                fields=["pod"], condition=Q(is_lead=True), name="one_lead_per_pod"
            ),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="member_modality_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.modality} in {self.pod}"
