from django.urls import path

from metrics import views

urlpatterns = [
    path("projects/<int:pk>/quality/", views.project_quality, name="project-quality-page"),
    path("calibrations/<int:pk>/", views.calibration_detail, name="calibration-detail"),
    path("calibrations/<int:pk>/close/", views.calibration_close, name="calibration-close"),
    path("portal/", views.portal, name="portal"),
]
