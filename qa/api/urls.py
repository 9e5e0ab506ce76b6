from django.urls import path
from rest_framework.routers import SimpleRouter

from qa.api.escalations import EscalationViewSet, ProjectExportView, ProjectRuleFeedbackView
from qa.api.views import FindingViewSet, ProjectValidateView

router = SimpleRouter()
router.register("findings", FindingViewSet, basename="finding")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = [
    path("projects/<int:pk>/validate/", ProjectValidateView.as_view(), name="project-validate"),
    path("projects/<int:pk>/export/", ProjectExportView.as_view(), name="project-export"),
    path(
        "projects/<int:pk>/rule-feedback/",
        ProjectRuleFeedbackView.as_view(),
        name="project-rule-feedback",
    ),
    *router.urls,
]
