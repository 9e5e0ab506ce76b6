from django.urls import path
from rest_framework.routers import SimpleRouter

from pods.api.views import ClientViewSet, PersonViewSet, PodViewSet, TokenCreateView

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("people", PersonViewSet, basename="person")
router.register("pods", PodViewSet, basename="pod")

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="auth-token"),
    *router.urls,
]
