import pytest

from common.errors import DomainError
from pods.models import PodMember, Role
from pods.services import pod_member_add
from tests.factories import make_person, make_pod

pytestmark = pytest.mark.django_db


class TestPodMemberAdd:
    def test_a_pod_keeps_exactly_one_lead_when_another_is_made_lead(self):
        pod = make_pod(["video", "audio"])
        newcomer = make_person(Role.POD_LEAD, skills=[("audio", "expert")])

        pod_member_add(pod=pod, person=newcomer, modality="audio", is_lead=True)

        leads = PodMember.objects.filter(pod=pod, is_lead=True)
        assert [member.person for member in leads] == [newcomer]

    def test_a_member_needs_the_skill_of_their_modality(self):
        pod = make_pod(["video"])
        person = make_person(skills=[("audio", "junior")])

        with pytest.raises(DomainError) as error:
            pod_member_add(pod=pod, person=person, modality="video")

        assert error.value.field == "modality"
        assert not PodMember.objects.filter(person=person).exists()

    def test_client_viewers_cannot_join_a_pod(self):
        from tests.factories import make_client

        pod = make_pod(["text"])
        viewer = make_person(Role.CLIENT_VIEWER, client=make_client())

        with pytest.raises(DomainError) as error:
            pod_member_add(pod=pod, person=viewer, modality="text")

        assert error.value.field == "person"
