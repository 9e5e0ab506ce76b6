"""Sign-in pages. Django's own auth views; the redirects come from settings
(LOGIN_URL, LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL)."""

from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
