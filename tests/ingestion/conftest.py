"""The edge of the internet for connector tests: a real HTTP server on 127.0.0.1, in a thread, answering like the
provider with recorded responses (JSON under recorded/<provider>/, shaped like the providers' documented payloads),
and an HTTP client whose waits are noted instead of slept."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ingestion.http import HttpClient
from ingestion.services import source_register

RECORDED = Path(__file__).parent / "recorded"
TODAY = date(2026, 3, 12)  # syncs in these tests run "today" = 12 March 2026, Paris time


def recorded(name, **values):
    """A recorded response; `{base_url}` and other `{names}` in it are filled in (links back to the server)."""
    text = (RECORDED / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return json.loads(text)


class Provider:
    """A provider's API on a local port. `on(method, path, *answers)` scripts what a path answers, in order; the last
    answer repeats. An answer is (status, body, headers) or a callable(request) returning one. Every request is kept
    in `requests` as a dict: method, path, query, headers (lower-case names), body (parsed JSON or form)."""

    def __init__(self):
        self.routes, self.requests, self.lock = {}, [], threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or b"null")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                request = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                           "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}  # fmt: skip
                with provider.lock:
                    provider.requests.append(request)
                    answers = provider.routes.get((self.command, parts.path))
                    answer = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else None
                if callable(answer):
                    answer = answer(request)
                status, payload, headers = answer or (404, {"error": {"message": f"no route {parts.path}"}}, {})
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def on(self, method, path, *answers):
        with self.lock:
            self.routes[(method, path)] = [a if callable(a) or len(a) == 3 else (*a, {}) for a in answers]

    def calls(self, path):
        return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    server = Provider()
    yield server
    server.close()


@pytest.fixture
def waits():
    """The seconds the HTTP client would have slept."""
    return []


@pytest.fixture
def http(waits):
    return HttpClient(sleep=waits.append, timeout=5)


@pytest.fixture
def make_source(franchisee_lille, provider):
    """Register a source of `kind` on Lille pointed at the local provider."""

    def make(kind, *, slug=None, secret="secret-token", node=None, **config):  # noqa: S107 - a test token
        config.setdefault("base_url", provider.url)
        config.setdefault("token_url", provider.url + "/token")
        return source_register(slug=slug or f"{kind.replace('_', '-')}-lille", kind=kind, node=node or franchisee_lille,
                               secret=secret, config=config)[0]  # fmt: skip

    return make
