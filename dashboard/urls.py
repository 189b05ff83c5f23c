from django.urls import path

from .admin_pages import sources, team
from .board import budget, drill, home
from .questions import views as questions
from .reports import views as reports
from .wall import views as wall

app_name = "dashboard"

urlpatterns = [
    path("", home.home, name="home"),
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
    path("reports/", reports.reports_page, name="reports"),
    path("reports/create/", reports.report_create_view, name="report-create"),
    path("reports/<int:pk>/", reports.report_page, name="report"),
    path("reports/<int:pk>/pause/", reports.report_pause_view, name="report-pause"),
    path("reports/<int:pk>/preview/", reports.report_preview, name="report-preview"),
    path("reports/<int:pk>/send-now/", reports.report_send_now, name="report-send-now"),
    path("reports/unsubscribe/<str:token>/", reports.report_unsubscribe, name="report-unsubscribe"),
    path("questions/ask/", questions.question_ask, name="question-ask"),
    path("questions/for-me/", questions.questions_for_me, name="questions-for-me"),
    path("questions/mine/", questions.my_questions, name="questions-mine"),
    path("questions/<int:pk>/", questions.thread_page, name="thread"),
    path("questions/<int:pk>/reply/", questions.thread_reply_view, name="thread-reply"),
    path("questions/<int:pk>/answer/", questions.thread_answer_view, name="thread-answer"),
    path("questions/<int:pk>/status/", questions.thread_status_view, name="thread-status"),
    path("notifications/", questions.notifications_page, name="notifications"),
    path("notifications/read/", questions.notifications_read, name="notifications-read"),
    path("annotations/add/", questions.annotation_add_view, name="annotation-add"),
]
