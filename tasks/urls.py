from django.urls import path

from tasks import views, views_work

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("datapoints/<int:pk>/", views.datapoint_detail, name="datapoint-detail"),
    path("console/", views_work.console, name="console"),
    path("console/projects/<int:pk>/route/", views_work.console_route, name="console-route"),
    path("console/tasks/<int:pk>/release/", views_work.console_release, name="console-release"),
    path("console/tasks/<int:pk>/reassign/", views_work.console_reassign, name="console-reassign"),
    path("queue/", views_work.queue, name="queue"),
    path("queue/next/", views_work.queue_next, name="queue-next"),
    path("queue/tasks/<int:pk>/submit/", views_work.queue_submit, name="queue-submit"),
    path("queue/tasks/<int:pk>/release/", views_work.queue_release, name="queue-release"),
]
