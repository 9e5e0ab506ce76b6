from django.urls import path

from qa import views_findings

urlpatterns = [
    path("findings/", views_findings.finding_list, name="finding-list"),
]
