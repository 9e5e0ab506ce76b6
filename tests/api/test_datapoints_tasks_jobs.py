import pytest

from pods.selectors import person_pseudonym
from tasks.models import DataPoint, JobStatus, TaskStatus
from tests.factories import make_annotation, make_datapoint, make_job, make_person, make_task

pytestmark = pytest.mark.django_db


class TestDataPointDetail:
    def test_the_detail_carries_streams_tasks_and_annotations(self, world, api_as):
        response = api_as(world["pod_lead"]).get(f"/api/v1/datapoints/{world.datapoint_a.pk}/")

        body = response.json()
        assert [stream["key"] for stream in body["streams"]] == ["audio-main", "video-main"]
        assert body["streams"][0] | {"id": None} == {
            "id": None,
            "key": "audio-main",
            "modality": "audio",
            "uri": "",
            "offset_ms": 0.0,
            "rate_hz": None,
            "calibration": None,
        }
        assert body["tasks"] == [
            {
                "id": world.task_a.pk,
                "modality": "video",
                "assignee": "sam",
                "status": "assigned",
                "copy": 0,
            }
        ]
        [annotation] = body["annotations"]
        assert annotation["id"] == world.annotation_a.pk
        assert annotation["task"] == world.task_a.pk
        assert annotation["stream_key"] == "video-main"
        assert annotation["annotator"] == "sam"
        assert (annotation["label"], annotation["entity"]) == ("dog", "e1")

    def test_a_client_viewer_sees_annotators_and_assignees_only_as_pseudonyms(self, world, api_as):
        response = api_as(world["client_viewer"]).get(f"/api/v1/datapoints/{world.datapoint_a.pk}/")

        body = response.json()
        pseudonym = person_pseudonym(world["specialist"].pk)
        assert body["annotations"][0]["annotator"] == pseudonym
        assert body["tasks"][0]["assignee"] == pseudonym
        assert "sam" not in response.content.decode()

    def test_an_annotators_pseudonym_is_stable_per_person_and_keyed_by_the_secret(
        self, world, settings
    ):
        sam, otto = world["specialist"], world["outsider"]
        pseudonym = person_pseudonym(sam.pk)

        assert pseudonym == person_pseudonym(sam.pk)
        assert pseudonym != person_pseudonym(otto.pk)
        settings.SECRET_KEY = "another-installation"
        assert person_pseudonym(sam.pk) != pseudonym

    def test_a_client_viewer_gets_a_404_for_another_clients_data_point(self, world, api_as):
        response = api_as(world["client_viewer"]).get(f"/api/v1/datapoints/{world.datapoint_b.pk}/")

        assert response.status_code == 404

    def test_the_detail_costs_the_same_few_queries_however_much_it_holds(
        self, world, api_as, django_assert_max_num_queries
    ):
        for modality, person in [("video", world["pod_lead"]), ("audio", world["expert"])]:
            task = make_task(world.datapoint_a, modality, person)
            for index in range(5):
                make_annotation(task, entity=f"e{index}", start_ms=index * 100.0)
        api = api_as(world["specialist"])

        with django_assert_max_num_queries(6):
            response = api.get(f"/api/v1/datapoints/{world.datapoint_a.pk}/")

        assert len(response.json()["annotations"]) == 11


class TestDataPointList:
    def test_the_list_costs_the_same_few_queries_however_many_rows(
        self, world, api_as, django_assert_max_num_queries
    ):
        for _ in range(20):
            make_datapoint(world.project_a, pod=world.pod_a)
        api = api_as(world["specialist"])

        with django_assert_max_num_queries(4):
            response = api.get("/api/v1/datapoints/")

        assert response.json()["count"] == 21

    def test_data_points_can_be_filtered_by_project_pod_external_id_and_calibration(
        self, world, api_as
    ):
        calibration = make_datapoint(world.project_a, pod=None)
        DataPoint.objects.filter(pk=calibration.pk).update(is_calibration=True)
        api = api_as(world["ops_manager"])

        def listed(**query) -> list[int]:
            return [row["id"] for row in api.get("/api/v1/datapoints/", query).json()["results"]]

        assert listed(project=world.project_b.pk) == [world.datapoint_b.pk]
        assert listed(pod=world.pod_a.pk) == [world.datapoint_a.pk]
        assert listed(external_id=world.datapoint_b.external_id) == [world.datapoint_b.pk]
        assert listed(is_calibration="true") == [calibration.pk]

    def test_a_client_viewer_lists_only_their_clients_data_points(self, world, api_as):
        response = api_as(world["client_viewer"]).get("/api/v1/datapoints/")

        assert [row["id"] for row in response.json()["results"]] == [world.datapoint_a.pk]


class TestTasks:
    def test_a_specialist_lists_only_their_own_tasks(self, world, api_as):
        make_task(world.datapoint_a, "audio", world["expert"])

        response = api_as(world["specialist"]).get("/api/v1/tasks/")

        rows = response.json()["results"]
        assert [(row["id"], row["assignee"]) for row in rows] == [(world.task_a.pk, "sam")]
        assert rows[0]["project"] == world.project_a.pk

    def test_a_pod_lead_lists_the_tasks_of_their_pod(self, world, api_as):
        expert_task = make_task(world.datapoint_a, "audio", world["expert"])

        response = api_as(world["pod_lead"]).get("/api/v1/tasks/")

        assert {row["id"] for row in response.json()["results"]} == {
            world.task_a.pk,
            expert_task.pk,
        }

    def test_a_client_viewer_has_no_tasks(self, world, api_as):
        response = api_as(world["client_viewer"]).get("/api/v1/tasks/")

        assert response.json()["count"] == 0

    def test_tasks_can_be_filtered_by_project_status_and_modality(self, world, api_as):
        done = make_task(world.datapoint_a, "audio", world["expert"], status=TaskStatus.SUBMITTED)
        api = api_as(world["ops_manager"])

        def listed(**query) -> set[int]:
            return {row["id"] for row in api.get("/api/v1/tasks/", query).json()["results"]}

        assert listed(project=world.project_b.pk) == {world.task_b.pk}
        assert listed(status="submitted") == {done.pk}
        assert listed(modality="audio") == {done.pk}
        assert listed(project=world.project_a.pk, modality="video") == {world.task_a.pk}

    def test_an_unknown_status_filter_is_a_400_naming_the_status(self, world, api_as):
        response = api_as(world["ops_manager"]).get("/api/v1/tasks/", {"status": "lost"})

        assert response.status_code == 400
        assert "status" in response.json()


class TestJobs:
    def test_a_job_reports_its_progress(self, world, api_as):
        job = make_job(world["specialist"], status=JobStatus.RUNNING, done=30, total=120)

        response = api_as(world["specialist"]).get(f"/api/v1/jobs/{job.pk}/")

        body = response.json()
        assert (body["status"], body["done"], body["total"]) == ("running", 30, 120)
        assert body["percent"] == 25.0
        assert body["finished_at"] is None

    def test_a_finished_job_reports_its_result(self, world, api_as):
        job = make_job(
            world["specialist"],
            status=JobStatus.DONE,
            done=3,
            total=3,
            result={"created": 3, "rejected": []},
        )

        body = api_as(world["specialist"]).get(f"/api/v1/jobs/{job.pk}/").json()

        assert body["percent"] == 100.0
        assert body["result"] == {"created": 3, "rejected": []}

    def test_a_job_whose_size_is_not_known_yet_has_no_percentage(self, world, api_as):
        job = make_job(world["specialist"])

        body = api_as(world["specialist"]).get(f"/api/v1/jobs/{job.pk}/").json()

        assert body["status"] == "queued"
        assert body["percent"] is None

    def test_someone_elses_job_is_a_404(self, world, api_as):
        job = make_job(make_person())

        response = api_as(world["specialist"]).get(f"/api/v1/jobs/{job.pk}/")

        assert response.status_code == 404


def test_ids_beyond_any_database_integer_are_a_404_or_a_400_never_a_server_error(world, api_as):
    api = api_as(world["ops_manager"])

    detail = api.get(f"/api/v1/datapoints/{10**30}/")
    filtered = api.get("/api/v1/datapoints/", {"project": 10**30})

    assert detail.status_code == 404
    assert filtered.status_code == 400
    assert "project" in filtered.json()
