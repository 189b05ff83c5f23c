"""Each connector's source, pointed at the local provider, and the recorded answers of a good sync."""

from .conftest import recorded

GOOGLE_ADS = "/v21/customers/1234567890/googleAds:searchStream"
META = "/v25.0/act_1029384756/insights"
GA4 = "/v1beta/properties/987654:runReport"
HUBSPOT_CONTACTS = "/crm/v3/objects/contacts/search"
HUBSPOT_DEALS = "/crm/v3/objects/deals/search"
CHATBOT = "/export"

OAUTH = {"client_id": "client-123.apps.example", "client_secret": "client-secret", "refresh_token": "refresh-1"}
CONFIG = {
    "google_ads": {"customer_id": "123-456-7890", "developer_token": "dev-token", "access_token": "ya29.expired",
                   **OAUTH},
    "meta_ads": {"ad_account_id": "act_1029384756", "limit": 2},
    "ga4": {"property_id": "987654", "limit": 2, "access_token": "ya29.expired", **OAUTH},
    "hubspot": {},
    "chatbot": {"locations": {"LIL-01": "lille"}},
}  # fmt: skip
MAIN = {"google_ads": ("POST", GOOGLE_ADS), "meta_ads": ("GET", META), "ga4": ("POST", GA4),
        "hubspot": ("POST", HUBSPOT_CONTACTS), "chatbot": ("GET", CHATBOT)}  # fmt: skip


def answer_good_sync(provider, kind):
    """Script the provider for a sync that works, page after page."""
    base = provider.url
    if kind == "google_ads":
        provider.on("POST", GOOGLE_ADS, (200, recorded("google_ads/search_stream.json")))
    elif kind == "meta_ads":
        provider.on("GET", META, (200, recorded("meta_ads/insights_page1.json", base_url=base)),
                    (200, recorded("meta_ads/insights_page2.json")))  # fmt: skip
    elif kind == "ga4":
        provider.on("POST", GA4, (200, recorded("ga4/run_report_page1.json")),
                    (200, recorded("ga4/run_report_page2.json")))  # fmt: skip
    elif kind == "hubspot":
        provider.on("POST", HUBSPOT_CONTACTS, (200, recorded("hubspot/contacts_search_page1.json")),
                    (200, recorded("hubspot/contacts_search_page2.json")))  # fmt: skip
        provider.on("POST", HUBSPOT_DEALS, (200, recorded("hubspot/deals_search.json")))
        provider.on("POST", "/crm/v4/associations/deals/contacts/batch/read",
                    (200, recorded("hubspot/assoc_deals_contacts.json")))  # fmt: skip
        provider.on("POST", "/crm/v3/objects/contacts/batch/read", (200, recorded("hubspot/contacts_batch_read.json")))
        provider.on("POST", "/crm/v4/associations/contacts/deals/batch/read",
                    (200, recorded("hubspot/assoc_contacts_deals.json")))  # fmt: skip
        provider.on("POST", "/crm/v3/objects/deals/batch/read", (200, recorded("hubspot/deals_batch_read.json")))
    elif kind == "chatbot":
        provider.on("GET", CHATBOT, (200, recorded("chatbot/export_page1.json", base_url=base)),
                    (200, recorded("chatbot/export_page2.json")))  # fmt: skip
    provider.on("POST", "/token", (200, recorded("oauth/google_token.json")))


def source_for(make_source, provider, kind, **extra):
    config = dict(CONFIG[kind], **extra)
    if kind == "chatbot":
        config.setdefault("url", provider.url + CHATBOT)
    return make_source(kind, **config)
