import pytest
from django.utils import timezone

from common.errors import DomainError
from pods.models import Role
from qa.models import Finding, FindingStatus
from qa.selectors import finding_list_for_user, sync_error_rate
from qa.services import datapoints_validate
from tests.factories import make_person, make_pod

pytestmark = pytest.mark.django_db


class TestSyncErrorRate:
    def test_validated_data_points_with_a_finding_not_dismissed_over_validated(self, av):
        erroneous = av.datapoint(audio_offset=420)
        dismissed = av.datapoint(audio_offset=420)
        clean = av.datapoint()
        unvalidated = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[erroneous.pk, dismissed.pk, clean.pk])
        Finding.objects.filter(datapoint=dismissed).update(
            status=FindingStatus.DISMISSED, resolved_at=timezone.now()
        )

        rate = sync_error_rate(project=av.project)

        assert (rate.validated, rate.with_findings) == (3, 1)
        assert rate.rate == pytest.approx(1 / 3)
        assert not Finding.objects.filter(datapoint=unvalidated).exists()

    def test_a_fixed_error_still_counts_it_was_there(self, av):
        datapoint = av.datapoint(audio_offset=420)
        datapoints_validate(datapoint_ids=[datapoint.pk])
        Finding.objects.update(status=FindingStatus.FIXED, resolved_at=timezone.now())

        assert sync_error_rate(project=av.project).with_findings == 1

    def test_nothing_validated_is_no_rate_rather_than_zero(self, av):
        av.datapoint(audio_offset=420)

        assert sync_error_rate(project=av.project).rate is None

    def test_restricted_to_some_data_points(self, av):
        erroneous, clean = av.datapoint(audio_offset=420), av.datapoint()
        datapoints_validate(datapoint_ids=[erroneous.pk, clean.pk])

        rate = sync_error_rate(project=av.project, datapoint_ids=[clean.pk])

        assert (rate.validated, rate.with_findings) == (1, 0)


class TestFindingListForUser:
    def test_pod_members_see_the_findings_of_their_pods_data_points_only(self, av):
        pod = make_pod(["video", "audio"])
        ours, theirs = av.datapoint(audio_offset=420), av.datapoint(audio_offset=420)
        ours.pod = pod
        ours.save()
        datapoints_validate(datapoint_ids=[ours.pk, theirs.pk])
        member = pod.members.filter(is_lead=False).first().person
        boss = make_person(Role.OPS_MANAGER)

        assert [f.datapoint_id for f in finding_list_for_user(user=member)] == [ours.pk]
        assert finding_list_for_user(user=boss).count() == 2


class TestProjectRules:
    def test_a_project_saved_with_bad_rules_is_refused_naming_the_field(self, av):
        av.project.rules = {"projection_iou": {"min_iou": 1.5}}

        with pytest.raises(DomainError) as error:
            av.project.save()

        assert error.value.field == "rules.projection_iou.min_iou"

    def test_the_project_rules_drive_validation(self, av):
        av.project.rules = {"boundary_offset": {"tolerance_ms": 500}}
        av.project.save()
        datapoint = av.datapoint(audio_offset=420)

        assert datapoints_validate(datapoint_ids=[datapoint.pk]).findings == 0
