from django.urls import path

from . import budget, drill, team, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("kpi/<str:key>/", drill.kpi_page, name="kpi"),
    path("leads/", drill.leads_page, name="leads"),
    path("budget/", budget.budget_page, name="budget"),
    path("wall/<str:token>/", views.wall, name="wall"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team-invite"),
    path("team/roles/<int:pk>/revoke/", team.team_revoke, name="team-revoke"),
]
