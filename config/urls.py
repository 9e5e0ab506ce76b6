from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("pods.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("qa.api.urls")),
    path("", include("metrics.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("pods.urls")),
    path("", include("tasks.urls")),
    path("", include("metrics.urls")),
    path("", include("qa.urls")),
    path("", include("qa.urls_findings")),
]
