from django.urls import path
from rest_framework.routers import SimpleRouter

from qa.api.views import FindingViewSet, ProjectValidateView

router = SimpleRouter()
router.register("findings", FindingViewSet, basename="finding")

urlpatterns = [
    path("projects/<int:pk>/validate/", ProjectValidateView.as_view(), name="project-validate"),
    *router.urls,
]
