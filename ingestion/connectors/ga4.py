"""Google Analytics 4: sessions and page views per campaign and day, from the Data API's
`POST /v1beta/properties/{property id}:runReport` with the dimensions date, sessionCampaignId and
sessionSourceMedium, paged with `offset` and `limit` until `rowCount` rows are read.

GA4 only knows campaigns by the id their clicks carried (the Google Ads campaign id, or a utm_id): a row is tied to
the campaign `<prefix><id>`, the prefix chosen by its source / medium (`google / cpc` -> `google_ads-`, the Google
Ads connector's ids). Rows of traffic that no known campaign of the source's subtree brought ("(not set)", organic,
a campaign not synced yet) are skipped, and the run's notes count them. GA4 writes only the visitors (sessions) and
page views of a campaign's day: spend and clicks come from the ad platform, and each keeps its own columns.

config: `property_id`, `campaign_prefixes` ({"source / medium": "prefix"}), `limit`, `base_url`, `token_url`.
credentials: `client_id`, `client_secret`, `refresh_token` (or the source's secret).
"""

from collections import defaultdict

from accounts.models import in_subtree
from kpis.models import Campaign

from .base import Connector as BaseConnector
from .base import OAuthRefresh
from .google_ads import TOKEN_URL

API = "https://analyticsdata.googleapis.com"
PREFIXES = {"google / cpc": "google_ads-", "facebook / paid_social": "meta_ads-", "facebook / cpc": "meta_ads-",
            "instagram / paid_social": "meta_ads-"}  # fmt: skip
METRICS = {"sessions": "visitors", "screenPageViews": "page_views"}


class Connector(OAuthRefresh, BaseConnector):
    kind = "ga4"
    provider = "Google"
    token_url = TOKEN_URL
    secret_fields = ("client_id", "client_secret", "refresh_token", "access_token")
    required_config = ("property_id",)
    required_credentials = (("refresh_token", "secret", "access_token"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.credentials.get("refresh_token") and self.credentials.get("secret"):
            self.credentials["refresh_token"] = self.credentials["secret"]

    def _report(self, token, offset, limit):
        body = {
            "dateRanges": [{"startDate": self.window.start.isoformat(), "endDate": self.window.end.isoformat()}],
            "dimensions": [{"name": "date"}, {"name": "sessionCampaignId"}, {"name": "sessionSourceMedium"}],
            "metrics": [{"name": name} for name in METRICS],
            "offset": offset,
            "limit": limit,
        }
        url = self.url(API, f"/v1beta/properties/{self.config['property_id']}:runReport")
        return self.http.post(url, json_body=body, headers={"Authorization": f"Bearer {token}"}) or {}

    def _rows(self):
        """Yield (row number, {header name: value}) over every page."""
        offset, limit, number = 0, int(self.config.get("limit", 10000)), 0
        while True:
            report = self.authorized(lambda token, offset=offset: self._report(token, offset, limit))
            names = [h["name"] for h in report.get("dimensionHeaders", []) + report.get("metricHeaders", [])]
            rows = report.get("rows") or []
            for row in rows:
                number += 1
                cells = [v.get("value", "") for v in row.get("dimensionValues", []) + row.get("metricValues", [])]
                yield number, dict(zip(names, cells, strict=False))
            offset += len(rows)
            if not rows or offset >= int(report.get("rowCount") or 0):
                return

    def records(self):
        prefixes = {**PREFIXES, **(self.config.get("campaign_prefixes") or {})}
        sums, first_reference, skipped = defaultdict(lambda: defaultdict(int)), {}, 0
        wanted = {}
        for number, row in self._rows():
            prefix = prefixes.get(row.get("sessionSourceMedium", ""))
            campaign_id = row.get("sessionCampaignId", "")
            if not prefix or not campaign_id or campaign_id == "(not set)":
                skipped += 1
                continue
            raw_day = row.get("date", "")
            # YYYYMMDD becomes the contract's YYYY-MM-DD; anything else goes on as it came, for the import to reject
            day = f"{raw_day[:4]}-{raw_day[4:6]}-{raw_day[6:]}" if len(raw_day) == 8 and raw_day.isdigit() else raw_day
            key = (f"{prefix}{campaign_id}", day)
            wanted.setdefault(key[0], []).append(key)
            first_reference.setdefault(key, f"runReport row {number} ({row.get('sessionSourceMedium')}, campaign "
                                            f"{campaign_id} on {raw_day})")  # fmt: skip
            for metric, column in METRICS.items():
                value = row.get(metric, "0")
                total = sums[key][column]
                good = str(value).isdigit() and isinstance(total, int)
                sums[key][column] = total + int(value) if good else value  # a bad value goes on to be rejected
        known = set(Campaign.objects.filter(in_subtree(self.node), external_id__in=wanted)
                    .values_list("external_id", flat=True))  # fmt: skip
        for external_id, keys in wanted.items():
            if external_id not in known:
                skipped += len(keys)
                for key in keys:
                    sums.pop(key, None)
        if skipped:
            self.note(f"{skipped} GA4 row(s) brought by no known campaign of this source's subtree were skipped.")
        for (external_id, day), columns in sums.items():
            yield "daily_metrics", first_reference[(external_id, day)], {"date": day,
                                                                          "campaign_external_id": external_id,
                                                                          **columns}  # fmt: skip
