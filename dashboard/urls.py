from django.urls import path

from . import team, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("wall/<str:token>/", views.wall, name="wall"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team-invite"),
    path("team/roles/<int:pk>/revoke/", team.team_revoke, name="team-revoke"),
]
