from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    GOOGLE_ADS = "google_ads", _("Google Ads")
    META_ADS = "meta_ads", _("Meta ads (Facebook, Instagram)")
    GA4 = "ga4", _("Google Analytics 4")
    HUBSPOT = "hubspot", _("HubSpot CRM")
    CHATBOT = "chatbot", _("Chatbot / messaging export")
    CSV = "csv", _("CSV drop folder")
    WEBHOOK = "webhook", _("Webhook")
    DEMO = "demo", _("Demo data")


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Nightly schedule")
    MANUAL = "manual", _("Sync now")
    COMMAND = "command", _("Command line")
    WEBHOOK = "webhook", _("Webhook")


class SyncStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# A source has at most one run in these states at a time (a database constraint says so).
ACTIVE_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class DeliveryKind(models.TextChoices):
    LEADS = "leads", _("Leads")
    CONVERSATIONS = "conversations", _("Conversations")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected")


# Ad platforms restate recent days (late conversions, invalid clicks): they are pulled again over a longer window.
AD_PLATFORM_LOOKBACK_DAYS = 28
DEFAULT_LOOKBACK_DAYS = 7
# How many rejected-row reasons a run or a delivery keeps (the count says how many there were in all).
KEPT_REASONS = 50
