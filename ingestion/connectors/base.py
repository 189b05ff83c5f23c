"""What every connector is: given a source (its config, decrypted credentials and cursor) and a window of days, it
yields records `(kind, reference, row)`, where `kind` is one of the contract's CSV formats, `row` is a dict in that
format's column names, and `reference` names the record in the provider's words ("campaign 123 on 2026-03-01") for
error messages. Records of one kind come together, kinds in dependency order (campaigns before their daily metrics,
leads before the conversations that link them), because each run of one kind is imported as one batch.

A connector may leave columns out: what it does not know keeps its stored value. It may move its cursor
(`self.state`) and renew tokens (`self.credentials`); both are saved with the run's data, in the same commit, and
dropped with it if the run fails. Everything it writes must belong to its source's node subtree: the import rejects
the rest, with reasons.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ingestion.http import AuthError, ConnectorError, HttpClient, PermanentError, TokenExpired


@dataclass(frozen=True)
class SyncWindow:
    """The days a sync pulls, inclusive, in the network's time zone."""

    start: date
    end: date


class ConfigError(PermanentError):
    """The source's configuration misses something the connector needs."""


class Connector:
    kind = None
    # Keys of `config` (as typed by an administrator) that are secrets: kept in the encrypted credentials instead.
    secret_fields = ()
    required_config = ()
    # Credentials the connector cannot work without (any one of each tuple).
    required_credentials = ()
    default_lookback_days = 7
    # True: the records are the whole truth of the source's subtree; its facts are cleared before they are written.
    full_refresh = False
    # False: nothing to pull on a schedule (facts arrive by webhook).
    scheduled = True

    def __init__(self, *, source, credentials, window, today, now=None, http=None):
        self.source, self.node = source, source.node
        # The moment the run is for (aware): nothing the connector yields may be dated after it. None: the end of
        # `today` (a connector built by hand for a whole day).
        self.now = now
        self.config = dict(source.config or {})
        self.credentials = dict(credentials)
        self.state = dict(source.state or {})
        self.window, self.today = window, today
        self.http = http or HttpClient()
        self.notes = []
        self.credentials_changed = False

    @classmethod
    def config_problems(cls, config, credentials):
        """What is missing for this connector to run, as sentences (empty: nothing)."""
        problems = [f"config needs {key!r}" for key in cls.required_config if not config.get(key)]
        for names in cls.required_credentials:
            if not any(credentials.get(name) for name in names):
                problems.append(f"credentials need {' or '.join(repr(n) for n in names)}")
        return problems

    def records(self):
        """Yield (kind, reference, row)."""
        raise NotImplementedError

    def note(self, text):
        """Something an administrator should know about the run that is not an error (rows skipped, and why)."""
        self.notes.append(text)

    def url(self, default_base, path):
        """`path` under the provider's base URL, which `config["base_url"]` overrides (tests, proxies)."""
        return self.config.get("base_url", default_base).rstrip("/") + path

    def secret(self, *names):
        """The first of these credentials that is set; `secret` (the --secret of add_source) comes last."""
        for name in (*names, "secret"):
            if self.credentials.get(name):
                return self.credentials[name]
        raise ConfigError(f"no {' or '.join(names)} in the source's credentials")


def amount(value, *, divisor=1):
    """A provider's money amount as contract text ("12.34"); a value that is not a number is passed on as it came,
    for the import to reject with its reason."""
    try:
        number = Decimal(str(value)) / divisor
    except (InvalidOperation, TypeError, ValueError):
        return value
    return str(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) if number.is_finite() else value


class AdPlatform:
    """Shared by the ad connectors: campaigns hang on the source's node unless `config["campaign_nodes"]` maps a
    provider campaign id to another node slug (a network account running each franchisee's campaigns)."""

    channel = None

    def campaign_external_id(self, campaign_id):
        return f"{self.kind}-{campaign_id}"

    def campaign_node_slug(self, campaign_id):
        return (self.config.get("campaign_nodes") or {}).get(str(campaign_id), self.node.slug)

    def campaign_row(self, campaign_id, name):
        return {"external_id": self.campaign_external_id(campaign_id) if campaign_id else "",
                "name": name or f"{self.kind} {campaign_id}", "channel": self.channel,
                "node_slug": self.campaign_node_slug(campaign_id)}  # fmt: skip


class OAuthRefresh:
    """The OAuth 2.0 refresh-token grant (RFC 6749 section 6): a connector keeps an access token in its credentials,
    and when the provider answers 401 it asks the token endpoint for a new one, once, then tries again."""

    token_url = None
    provider = "the provider"

    def access_token(self):
        token = self.credentials.get("access_token")
        return token or self.refresh_access_token()

    def refresh_access_token(self):
        refresh_token = self.credentials.get("refresh_token")
        client_id, client_secret = self.credentials.get("client_id"), self.credentials.get("client_secret")
        if not (refresh_token and client_id and client_secret):
            raise AuthError(f"the {self.provider} access token has expired and there is no refresh token, client_id "
                            "and client_secret to renew it: reconnect the source")  # fmt: skip
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
                "client_secret": client_secret}  # fmt: skip
        url = self.config.get("token_url", self.token_url)
        try:
            answer = self.http.post(url, form=form)
        except (AuthError, PermanentError) as error:
            reason = f"the {self.provider} token could not be refreshed ({error}): reconnect the source"
            raise AuthError(reason) from None
        token = (answer or {}).get("access_token")
        if not token:
            raise AuthError(f"the {self.provider} token endpoint gave no access_token: reconnect the source")
        self.credentials["access_token"] = token
        if answer.get("refresh_token"):  # some providers rotate refresh tokens
            self.credentials["refresh_token"] = answer["refresh_token"]
        self.credentials_changed = True
        self.note(f"The {self.provider} access token was refreshed.")
        return token

    def authorized(self, call):
        """`call(access_token)`, refreshing the token once if the provider says it has expired."""
        try:
            return call(self.access_token())
        except TokenExpired:
            token = self.refresh_access_token()
        try:
            return call(token)
        except TokenExpired as error:
            raise AuthError(f"{error} (even with a freshly refreshed token)") from None


__all__ = ["ConfigError", "Connector", "ConnectorError", "OAuthRefresh", "SyncWindow"]
