"""A chatbot or messaging platform's export of conversations, as generic JSON, read from a URL (paged by `next`)
or from a file. The format, one object per page:

    {"conversations": [
        {"id": "c-1001",                      -> external_id (prefixed with config "id_prefix", "" by default)
         "started_at": "2026-03-10T18:02:11Z", -> started_at (ISO 8601; without an offset, network time)
         "location": "lille",                 -> node_slug, through config "locations" ({location: node slug});
                                                 absent: the source's node
         "channel": "whatsapp",               -> channel: chatbot, whatsapp, messenger, sms, web_chat ("web" and
                                                 "facebook" are read as web_chat and messenger)
         "contact_captured": true,            -> captured_contact
         "goal_completed": false,             -> goal_completed
         "escalated": false,                  -> escalated; self_served is its opposite unless given
         "self_served": true,
         "rating": 8, "rating_scale": 10,     -> rating, rating_scale (10 or 20)
         "duration_seconds": 312,             -> duration_seconds
         "messages": 14,                      -> messages (a count, or the list of messages, counted)
         "lead_id": "form-123"}               -> lead_external_id (a lead already known)
     ],
     "next": "https://…/export?page=2"}       -> the next page, or null

config: `url` or `path`, `id_prefix`, `locations`. credentials: `api_token` (or the source's secret), sent as a
Bearer token to the URL; the same secret signs this source's webhooks.
"""

import json
from pathlib import Path

from ingestion.http import PermanentError

from .base import ConfigError
from .base import Connector as BaseConnector

CHANNELS = {"web": "web_chat", "website": "web_chat", "facebook": "messenger", "bot": "chatbot"}
FIELDS = ("goal_completed", "escalated", "rating", "rating_scale", "duration_seconds")


class Connector(BaseConnector):
    kind = "chatbot"
    secret_fields = ("api_token", "webhook_secret")

    @classmethod
    def config_problems(cls, config, credentials):
        if not (config.get("url") or config.get("path")):
            return ["config needs 'url' or 'path'"]
        return []

    def _pages(self):
        if self.config.get("path"):
            path = Path(self.config["path"])
            try:
                yield 1, json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ConfigError(f"cannot read the export {path}: {error}") from None
            return
        url, page = self.config["url"], 1
        token = self.credentials.get("api_token") or self.credentials.get("secret")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        while url:
            answer = self.http.get(url, headers=headers)
            yield page, answer
            url, page = (answer or {}).get("next"), page + 1

    def _row(self, item):
        locations = self.config.get("locations") or {}
        messages = item.get("messages")
        row = {
            "external_id": f"{self.config.get('id_prefix', '')}{item.get('id', '')}" if item.get("id") else "",
            "started_at": item.get("started_at", ""),
            "node_slug": locations.get(item.get("location"), item.get("location")) or self.node.slug,
            "captured_contact": item.get("contact_captured", item.get("captured_contact", "")),
            "messages": len(messages) if isinstance(messages, list) else messages,
            "lead_external_id": item.get("lead_id") or "",
            **{name: item[name] for name in FIELDS if name in item},
        }
        if item.get("channel"):
            row["channel"] = CHANNELS.get(str(item["channel"]).lower(), str(item["channel"]).lower())
        if "self_served" in item:
            row["self_served"] = item["self_served"]
        elif isinstance(item.get("escalated"), bool):
            row["self_served"] = not item["escalated"]
        return row

    def records(self):
        for page, answer in self._pages():
            items = (answer or {}).get("conversations") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise PermanentError(f"page {page} of the export has no 'conversations' list")
            for number, item in enumerate(items, start=1):
                reference = f"page {page} conversation {number}" + (f" ({item['id']})" if isinstance(item, dict)
                                                                      and item.get("id") else "")  # fmt: skip
                yield "conversations", reference, self._row(item) if isinstance(item, dict) else item
