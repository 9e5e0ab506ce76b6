from django.urls import path
from rest_framework.routers import SimpleRouter

from tasks.api import imports
from tasks.api.views import (
    AnnotationViewSet,
    DataPointViewSet,
    JobViewSet,
    OntologyViewSet,
    ProjectViewSet,
    TaskViewSet,
)

router = SimpleRouter()
router.register("ontologies", OntologyViewSet, basename="ontology")
router.register("projects", ProjectViewSet, basename="project")
router.register("datapoints", DataPointViewSet, basename="datapoint")
router.register("tasks", TaskViewSet, basename="task")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("projects/<int:pk>/import/", imports.ProjectImportView.as_view(), name="project-import"),
    *router.urls,
]
