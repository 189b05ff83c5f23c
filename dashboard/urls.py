from django.urls import path

from . import budget, drill, sources, team, views, wall

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("kpi/<str:key>/", drill.kpi_page, name="kpi"),
    path("campaigns/", drill.campaigns_page, name="campaigns"),
    path("campaigns/<int:pk>/", drill.campaign_page, name="campaign"),
    path("leads/", drill.leads_page, name="leads"),
    path("leads/<int:pk>/", drill.lead_page, name="lead"),
    path("conversations/", drill.conversations_page, name="conversations"),
    path("budget/", budget.budget_page, name="budget"),
    path("wall/<str:token>/", wall.wall, name="wall"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team-invite"),
    path("team/roles/<int:pk>/revoke/", team.team_revoke, name="team-revoke"),
    path("sources/", sources.sources, name="sources"),
    path("sources/<int:pk>/", sources.source_detail, name="source"),
    path("sources/<int:pk>/sync/", sources.source_sync, name="source-sync"),
    path("sources/<int:pk>/schedule/", sources.source_schedule, name="source-schedule"),
]
