from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.api.views import CalibrationViewSet, ProjectQualityView

router = SimpleRouter()
router.register("calibrations", CalibrationViewSet, basename="calibration")

urlpatterns = [
    path("projects/<int:pk>/quality/", ProjectQualityView.as_view(), name="project-quality"),
    *router.urls,
]
