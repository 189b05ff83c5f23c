"""HubSpot CRM: contacts become leads, and their won deals give each lead its revenue and number of purchases.

Through the CRM v3 API, with `after` paging everywhere:
- `POST /crm/v3/objects/contacts/search` and `/deals/search`: what changed since the cursor (a last-modified
  date), so that a deal won today updates a lead that came in months ago;
- `POST /crm/v4/associations/deals/contacts/batch/read`: the contacts of the changed deals;
- `POST /crm/v4/associations/contacts/deals/batch/read` and `/crm/v3/objects/deals/batch/read`: every deal of
  those contacts, for a revenue that is the sum of all their won deals, not only of today's;
- `POST /crm/v3/objects/contacts/batch/read`: contacts reached only through a deal.

Lifecycle stage -> qualified (marketing- or sales-qualified lead and beyond) and customer; closed-won deal amounts
-> revenue; their number -> purchases. The contact property named by `config["node_property"]` holds the node slug
(franchise) of a contact, else the lead hangs on the source's node. Authentication: a private-app token (the
source's secret, or `access_token`), or OAuth with a refresh token, client id and secret (refreshed once on 401).
HubSpot's search returns at most 10,000 records per query: a first sync of a large portal goes by `sync --since`.

config: `node_property`, `source_property` ("hs_analytics_source" by default), `medium_property`,
`segment_property`, `score_property` ("hubspotscore"), `base_url`, `token_url`.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from accounts.selectors import network_zone

from .base import Connector as BaseConnector
from .base import OAuthRefresh, amount

API = "https://api.hubapi.com"
TOKEN_URL = "https://api.hubapi.com/oauth/v1/token"  # noqa: S105 - an address, not a secret
QUALIFIED = {"marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist"}
CUSTOMER = {"customer", "evangelist"}
DEAL_PROPERTIES = ["amount", "dealstage", "hs_is_closed_won", "closedate"]
BATCH = 100
OVERLAP = timedelta(hours=1)  # records modified while the last sync ran are read again


class Connector(OAuthRefresh, BaseConnector):
    kind = "hubspot"
    provider = "HubSpot"
    token_url = TOKEN_URL
    secret_fields = ("access_token", "client_id", "client_secret", "refresh_token")
    required_credentials = (("access_token", "secret", "refresh_token"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.credentials.get("access_token") and self.credentials.get("secret"):
            self.credentials["access_token"] = self.credentials["secret"]  # a private-app token
        self.started = timezone.now()

    # HubSpot calls ------------------------------------------------------------------------------------------------
    def _post(self, path, body):
        def call(token):
            return self.http.post(self.url(API, path), json_body=body, headers={"Authorization": f"Bearer {token}"})

        return self.authorized(call) or {}

    def _search(self, object_type, modified_property, properties, since):
        """Every record of `object_type` modified since `since`, page after page."""
        body = {
            "filterGroups": [{"filters": [{"propertyName": modified_property, "operator": "GTE",
                                           "value": str(int(since.timestamp() * 1000))}]}],
            "sorts": [{"propertyName": modified_property, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": BATCH,
        }  # fmt: skip
        while True:
            answer = self._post(f"/crm/v3/objects/{object_type}/search", body)
            yield from answer.get("results", [])
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            body["after"] = after

    def _batch(self, path, ids, extra=None):
        ids = sorted(ids, key=str)
        for start in range(0, len(ids), BATCH):
            inputs = [{"id": str(i)} for i in ids[start : start + BATCH]]
            yield from self._post(path, {"inputs": inputs, **(extra or {})}).get("results", [])

    def _associations(self, from_type, to_type, ids):
        """{from id: {to ids}} through the v4 associations API."""
        found = {}
        for result in self._batch(f"/crm/v4/associations/{from_type}/{to_type}/batch/read", ids):
            targets = found.setdefault(str(result["from"]["id"]), set())
            targets.update(str(t["toObjectId"]) for t in result.get("to", []))
        return found

    # Mapping ------------------------------------------------------------------------------------------------------
    def _contact_properties(self):
        names = ["createdate", "lastmodifieddate", "lifecyclestage"]
        defaults = {"node_property": None, "source_property": "hs_analytics_source", "medium_property": None,
                    "segment_property": None, "score_property": "hubspotscore"}  # fmt: skip
        chosen = (self.config.get(key, default) for key, default in defaults.items())
        return names + [name for name in chosen if name]

    def _since(self):
        start = datetime.combine(self.window.start, time(0), tzinfo=self.node_zone)
        cursor = self.state.get("modified_since")
        if cursor:
            start = min(start, datetime.fromisoformat(cursor) - OVERLAP)
        return start

    def _lead(self, contact, deals):
        props = contact.get("properties") or {}
        stage = (props.get("lifecyclestage") or "").lower()
        won = [d for d in deals if _won(d)]
        amounts = [(d.get("properties") or {}).get("amount") or "0" for d in won]
        try:
            revenue = amount(sum((Decimal(a) for a in amounts), Decimal(0)))
        except InvalidOperation:  # a deal amount that is not a number: passed on for the import to reject
            revenue = next(a for a in amounts if not _is_number(a))
        row = {
            "external_id": f"hubspot-{contact['id']}",
            "created_at": props.get("createdate") or contact.get("createdAt") or "",
            "node_slug": props.get(self.config.get("node_property", ""), "") or self.node.slug,
            "source": (props.get(self.config.get("source_property", "hs_analytics_source")) or "").lower(),
            "qualified": (stage in QUALIFIED) if stage else "",
            "customer": stage in CUSTOMER or bool(won),
            "revenue": revenue,
            "purchases": len(won),
        }
        for column, key in (("medium", "medium_property"), ("segment", "segment_property")):
            if self.config.get(key):
                row[column] = props.get(self.config[key]) or ""
        score = props.get(self.config.get("score_property", "hubspotscore"))
        if score not in (None, ""):
            try:
                row["score"] = min(100, max(0, round(float(score))))
                self.capped += float(score) > 100
            except ValueError:
                row["score"] = score  # passed on for the import to reject
        return row

    def records(self):
        self.node_zone, self.capped = network_zone(node=self.node), 0
        since = self._since()
        contacts = {c["id"]: c for c in self._search("contacts", "lastmodifieddate", self._contact_properties(), since)}
        changed_deals = [d["id"] for d in self._search("deals", "hs_lastmodifieddate", DEAL_PROPERTIES, since)]
        for contact_ids in self._associations("deals", "contacts", changed_deals).values():
            for contact_id in contact_ids - set(contacts):
                contacts[contact_id] = None
        missing = [i for i, c in contacts.items() if c is None]
        for contact in self._batch("/crm/v3/objects/contacts/batch/read", missing,
                                   {"properties": self._contact_properties()}):  # fmt: skip
            contacts[contact["id"]] = contact
        deals_of = self._associations("contacts", "deals", list(contacts))
        deal_ids = {d for ids in deals_of.values() for d in ids}
        deals = {d["id"]: d for d in self._batch("/crm/v3/objects/deals/batch/read", deal_ids,
                                                  {"properties": DEAL_PROPERTIES})}  # fmt: skip
        for contact_id, contact in sorted(contacts.items(), key=lambda item: (len(item[0]), item[0])):
            if contact is None:
                self.note(f"HubSpot contact {contact_id} of a changed deal could not be read; skipped.")
                continue
            related = [deals[d] for d in sorted(deals_of.get(contact_id, ())) if d in deals]
            yield "leads", f"contact {contact_id}", self._lead(contact, related)
        if self.capped:
            self.note(f"{self.capped} HubSpot score(s) above 100 were counted as 100.")
        self.state["modified_since"] = self.started.astimezone(UTC).isoformat()


def _won(deal):
    props = deal.get("properties") or {}
    return str(props.get("hs_is_closed_won", "")).lower() == "true" or props.get("dealstage") == "closedwon"


def _is_number(text):
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True
