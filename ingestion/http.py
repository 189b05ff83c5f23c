"""The one HTTP client of the connectors: the standard library's urllib, JSON in and out, timeouts, and errors typed
by what the sync should do about them.

- RateLimited (429, or a provider's own throttling answer): wait as long as the provider says, then try again;
- TransientError (5xx, a connection error, a timeout): try again after a short backoff, and if it keeps failing, let
  the task retry later;
- TokenExpired (401): the connector refreshes its token once and tries again; AuthError: the run fails, saying why;
- PermanentError (any other 4xx, a body that is not JSON): the run fails, saying why.

Waiting goes through `sleep`, so that tests need not wait.
"""

import email.utils
import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

USER_AGENT = "franchise-kpi-board/1"


class ConnectorError(Exception):
    """A sync cannot go on; the message says why, in words an administrator can act on."""


class TransientError(ConnectorError):
    """The provider or the network failed for now; the same request may work later."""


class RateLimited(TransientError):
    """The provider asks us to slow down, for `retry_after` seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """The credentials were refused."""


class TokenExpired(AuthError):
    """The access token is no longer valid; a refresh may give a new one."""


class PermanentError(ConnectorError):
    """The request itself is wrong (bad configuration, unknown account, a body that is not JSON)."""


def provider_message(payload):
    """The human part of a provider's error body: Google's and Meta's `error.message`, HubSpot's `message`."""
    if isinstance(payload, list) and payload:  # Google's searchStream wraps its error in a list
        payload = payload[0]
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("status") or "")
    if isinstance(error, str):  # OAuth: {"error": "invalid_grant", "error_description": "..."}
        return f"{error}: {payload.get('error_description', '')}".rstrip(": ")
    return str(payload.get("message") or "")


def retry_after_seconds(value, now=None):
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    """JSON over HTTP with the retries the connectors share.

    `max_attempts` bounds the tries of one request (rate limits and transient errors alike); a provider asking to
    wait longer than `max_wait` seconds is not waited for here: RateLimited goes up, and the task retries later.
    `interpret(status, payload, headers)` lets a connector turn a provider's own error answers into typed errors
    (Meta's throttling comes as a 400 with an error code) before the generic mapping applies.
    """

    def __init__(self, *, timeout=30, max_attempts=4, max_wait=120, backoff=2.0, sleep=time.sleep):
        self.timeout, self.max_attempts, self.max_wait, self.backoff = timeout, max_attempts, max_wait, backoff
        self.sleep = sleep

    def get(self, url, *, params=None, headers=None, interpret=None):
        return self.request("GET", url, params=params, headers=headers, interpret=interpret)

    def post(self, url, *, json_body=None, form=None, params=None, headers=None, interpret=None):
        return self.request("POST", url, json_body=json_body, form=form, params=params, headers=headers,
                            interpret=interpret)  # fmt: skip

    def request(self, method, url, *, params=None, json_body=None, form=None, headers=None, interpret=None):
        """The decoded JSON body of a 2xx answer, after waiting out rate limits and retrying transient errors."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params, doseq=True)}"
        data, sent = None, {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if json_body is not None:
            data, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            data, sent["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._once(method, url, data, sent, interpret)
            except RateLimited as error:
                wait = error.retry_after if error.retry_after is not None else self._backoff(attempt)
                if attempt == self.max_attempts or wait > self.max_wait:
                    raise
                self.sleep(wait)
            except TransientError:
                if attempt == self.max_attempts:
                    raise
                self.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt):
        return self.backoff ** (attempt - 1) * (1 + random.random() / 2)  # noqa: S311 - jitter, not secrecy

    def _once(self, method, url, data, headers, interpret):
        where = f"{method} {_without_query(url)}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) only
        if request.type not in ("http", "https"):
            raise PermanentError(f"{where}: only http and https addresses are allowed")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, answer_headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, body = error.code, error.headers, error.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise TransientError(f"{where}: no answer ({reason})") from None
        payload = _json_or_none(body)
        if interpret is not None:
            problem = interpret(status, payload, answer_headers)
            if problem is not None:
                raise problem
        if 200 <= status < 300:
            if payload is None and body.strip():
                raise PermanentError(f"{where}: the answer is not JSON ({body[:80]!r})")
            return payload
        message = provider_message(payload) or body[:200].decode("utf-8", "replace").strip()
        detail = f"{where} answered {status}" + (f": {message}" if message else "")
        if status == 429:
            raise RateLimited(detail, retry_after_seconds(answer_headers.get("Retry-After")))
        if status >= 500 or status == 408:
            raise TransientError(detail)
        if status == 401:
            raise TokenExpired(detail)
        if status == 403:
            raise AuthError(detail)
        raise PermanentError(detail)


def _json_or_none(body):
    try:
        return json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def _without_query(url):
    """A URL fit for an error message: no query string, where tokens may travel."""
    return url.split("?", 1)[0]
