"""Meta (Facebook, Instagram) ads: daily spend, impressions, clicks, landing-page views and leads per campaign,
from the Marketing API's Insights edge, `GET /{version}/act_{ad account id}/insights` with `level=campaign` and
`time_increment=1` (one row per campaign and day), paged by following `paging.next`.

Meta answers its errors as `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`: code 190 is an
invalid or expired token (a long-lived token cannot be refreshed once expired: the run fails and says to generate a
new one), codes 4, 17, 32, 613 and 80000-80014 are throttling (waited out, then the task retries later).

config: `ad_account_id` (with or without "act_"), `campaign_nodes`, `api_version`, `base_url` (tests).
credentials: `access_token` (or the source's secret), a system-user or long-lived token.
"""

import json

from ingestion.constants import AD_PLATFORM_LOOKBACK_DAYS
from ingestion.http import AuthError, PermanentError, RateLimited, provider_message
from kpis.constants import Channel

from .base import AdPlatform, amount
from .base import Connector as BaseConnector

API = "https://graph.facebook.com"
API_VERSION = "v25.0"
FIELDS = "campaign_id,campaign_name,date_start,date_stop,spend,impressions,clicks,actions"
THROTTLING_CODES = {4, 17, 32, 613, *range(80000, 80015)}
LEAD_ACTIONS = ("lead", "onsite_conversion.lead_grouped", "offsite_conversion.fb_pixel_lead")


def interpret(status, payload, headers):
    """Meta's own error codes, whatever the HTTP status they come with."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None
    code, message = error.get("code"), provider_message(payload)
    if code == 190:
        return AuthError(f"Meta refused the access token (code 190, {message}): generate a new long-lived or "
                         "system-user token and update the source")  # fmt: skip
    if code in THROTTLING_CODES:
        return RateLimited(f"Meta is throttling the ad account (code {code}, {message})", _regain_seconds(headers))
    return None


def _regain_seconds(headers):
    """X-Business-Use-Case-Usage says, per business, how many minutes until access is regained."""
    try:
        usage = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
        waits = [entry.get("estimated_time_to_regain_access", 0) for entries in usage.values() for entry in entries]
        minutes = max(waits)
    except (ValueError, TypeError, AttributeError):
        return None
    return minutes * 60 if minutes else None


class Connector(AdPlatform, BaseConnector):
    kind = "meta_ads"
    channel = Channel.META
    secret_fields = ("access_token", "app_secret")
    required_config = ("ad_account_id",)
    required_credentials = (("access_token", "secret"),)
    default_lookback_days = AD_PLATFORM_LOOKBACK_DAYS

    def _pages(self):
        account = str(self.config["ad_account_id"]).removeprefix("act_")
        base = self.url(API, "")
        url = self.url(API, f"/{self.config.get('api_version', API_VERSION)}/act_{account}/insights")
        days = {"since": self.window.start.isoformat(), "until": self.window.end.isoformat()}
        params = {"level": "campaign", "time_increment": 1, "fields": FIELDS, "limit": self.config.get("limit", 500),
                  "time_range": json.dumps(days)}  # fmt: skip
        headers = {"Authorization": f"Bearer {self.secret('access_token')}"}
        page = 1
        while url:
            answer = self.http.get(url, params=params, headers=headers, interpret=interpret) or {}
            yield page, answer.get("data", [])
            url, params, page = (answer.get("paging") or {}).get("next"), None, page + 1
            if url and not url.startswith(base):  # the next link must stay with the provider: no token elsewhere
                raise PermanentError(f"Meta's next page points outside {base}: {url.split('?')[0]}")

    def records(self):
        campaigns, metrics = {}, []
        for page, rows in self._pages():
            for number, row in enumerate(rows, start=1):
                campaign_id, day = row.get("campaign_id", ""), row.get("date_start", "")
                reference = f"insights page {page} row {number} (campaign {campaign_id or '?'} on {day or '?'})"
                if campaign_id and campaign_id not in campaigns:
                    campaigns[campaign_id] = (reference, self.campaign_row(campaign_id, row.get("campaign_name")))
                actions = {a.get("action_type"): a.get("value") for a in row.get("actions") or []}
                lead = next((actions[a] for a in LEAD_ACTIONS if a in actions), 0)
                metrics.append((reference, {
                    "date": day,
                    "campaign_external_id": self.campaign_external_id(campaign_id) if campaign_id else "",
                    "spend": amount(row.get("spend", 0)),
                    "impressions": row.get("impressions", 0),
                    "clicks": row.get("clicks", 0),
                    "lp_views": actions.get("landing_page_view", 0),
                    "form_submits": lead,
                }))  # fmt: skip
        for reference, row in campaigns.values():
            yield "campaigns", reference, row
        for reference, row in metrics:
            yield "daily_metrics", reference, row
