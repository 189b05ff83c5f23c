from django.urls import path

from . import api

urlpatterns = [
    path("<slug:source_slug>/leads/", api.WebhookLeadsApi.as_view(), name="api-webhook-leads"),
    path("<slug:source_slug>/conversations/", api.WebhookConversationsApi.as_view(), name="api-webhook-conversations"),
]
