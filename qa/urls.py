from django.urls import path

from qa import views

urlpatterns = [
    path("escalations/", views.escalation_list, name="escalation-list"),
    path("escalations/<int:pk>/", views.escalation_resolve_view, name="escalation-resolve"),
    path("escalations/<int:pk>/claim/", views.escalation_claim_view, name="escalation-claim"),
]
