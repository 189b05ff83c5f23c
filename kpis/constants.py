from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    GOOGLE_ADS = "google_ads", _("Google Ads")
    META = "meta", _("Meta (Facebook, Instagram)")
    LINKEDIN = "linkedin", _("LinkedIn")
    TIKTOK = "tiktok", _("TikTok")
    AMAZON = "amazon", _("Amazon")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    CHATBOT = "chatbot", _("Chatbot")
    WEB_CHAT = "web_chat", _("Web chat")
    LOCAL_LISTINGS = "local_listings", _("Local listings")
    ORGANIC = "organic", _("Organic")
    OTHER = "other", _("Other")


# Conversations happen on these channels; a conversation's `channel` must be one of them.
CONVERSATION_CHANNELS = (
    Channel.CHATBOT,
    Channel.WHATSAPP,
    Channel.MESSENGER,
    Channel.SMS,
    Channel.WEB_CHAT,
)

RATING_SCALES = (10, 20)
MAX_LEAD_SCORE = 100
