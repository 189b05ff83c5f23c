"""Google Ads: daily cost, impressions and clicks per campaign, through the REST `googleAds:searchStream` method
with a GAQL query over `campaign` segmented by `segments.date`.

searchStream answers with every row at once, as a JSON array of batches (`results`, `fieldMask`, `requestId`):
there are no pages to ask for, the batches are the paging. Money comes in micros (`metrics.costMicros`, a string:
int64 travels as text in JSON). OAuth 2.0: an access token from the refresh token, renewed once when it expires.

config: `customer_id` (digits, no dashes), optional `login_customer_id` (a manager account), `campaign_nodes`
({campaign id: node slug}), `api_version`, `base_url` and `token_url` (tests). credentials: `developer_token`,
`client_id`, `client_secret`, `refresh_token` (or the source's secret).
"""

from ingestion.constants import AD_PLATFORM_LOOKBACK_DAYS
from kpis.constants import Channel

from .base import AdPlatform, OAuthRefresh, amount
from .base import Connector as BaseConnector

API = "https://googleads.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
API_VERSION = "v21"
QUERY = (
    "SELECT campaign.id, campaign.name, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks "
    "FROM campaign WHERE segments.date BETWEEN '{start}' AND '{end}' ORDER BY segments.date"
)


class Connector(OAuthRefresh, AdPlatform, BaseConnector):
    kind = "google_ads"
    channel = Channel.GOOGLE_ADS
    provider = "Google"
    token_url = TOKEN_URL
    secret_fields = ("developer_token", "client_id", "client_secret", "refresh_token", "access_token")
    required_config = ("customer_id",)
    required_credentials = (("developer_token",), ("refresh_token", "secret", "access_token"))
    default_lookback_days = AD_PLATFORM_LOOKBACK_DAYS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.credentials.get("refresh_token") and self.credentials.get("secret"):
            self.credentials["refresh_token"] = self.credentials["secret"]

    def _search_stream(self, token):
        customer = str(self.config["customer_id"]).replace("-", "")
        headers = {"Authorization": f"Bearer {token}", "developer-token": self.credentials["developer_token"]}
        if self.config.get("login_customer_id"):
            headers["login-customer-id"] = str(self.config["login_customer_id"]).replace("-", "")
        version = self.config.get("api_version", API_VERSION)
        query = QUERY.format(start=self.window.start.isoformat(), end=self.window.end.isoformat())
        url = self.url(API, f"/{version}/customers/{customer}/googleAds:searchStream")
        return self.http.post(url, json_body={"query": query}, headers=headers)

    def records(self):
        batches = self.authorized(self._search_stream) or []
        campaigns, metrics = {}, []
        for number, row in enumerate((r for batch in batches for r in batch.get("results", [])), start=1):
            campaign, segments, values = row.get("campaign", {}), row.get("segments", {}), row.get("metrics", {})
            campaign_id, day = campaign.get("id", ""), segments.get("date", "")
            reference = f"searchStream row {number} (campaign {campaign_id or '?'} on {day or '?'})"
            if campaign_id and campaign_id not in campaigns:
                campaigns[campaign_id] = (reference, self.campaign_row(campaign_id, campaign.get("name")))
            metrics.append((reference, {
                "date": day,
                "campaign_external_id": self.campaign_external_id(campaign_id) if campaign_id else "",
                "spend": amount(values.get("costMicros", 0), divisor=1_000_000),
                "impressions": values.get("impressions", 0),
                "clicks": values.get("clicks", 0),
            }))  # fmt: skip
        for reference, row in campaigns.values():
            yield "campaigns", reference, row
        for reference, row in metrics:
            yield "daily_metrics", reference, row
