"""What every request and response goes through, whatever app answers it."""

import re
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpResponseBadRequest


class ContentSecurityPolicyMiddleware:
    """Says on every response where its page may load scripts, styles, images and data from: the site itself. An
    injected `<script>` or `<img src=https://evil…>` that escaped escaping still does not run or leak. The wall is a
    page like the others (its scripts are static files), so it is covered too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(f"{directive} {' '.join(sources)}"
                                for directive, sources in settings.CONTENT_SECURITY_POLICY.items())  # fmt: skip

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RefuseNulCharactersMiddleware:
    """A NUL character is never part of a real value, and PostgreSQL's text columns cannot hold one (every query that
    compares it fails): a request carrying one in its address, query string or form/JSON body is answered 400 here,
    before any view reads it. File uploads (multipart) are left to the import's own checks, which name the line, and
    so are the views that judge their raw body themselves (`checks_its_own_body`: signed webhooks)."""

    CHECKED_BODIES = ("application/json", "application/x-www-form-urlencoded")
    REFUSAL = "NUL characters (\\x00) are not accepted."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest(self.REFUSAL, content_type="text/plain")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.content_type not in self.CHECKED_BODIES:
            return None
        if getattr(getattr(view_func, "cls", view_func), "checks_its_own_body", False):
            return None
        body = request.body  # read once here; Django keeps it for the view
        escaped = b"%00" in body if request.content_type.endswith("urlencoded") else re.search(rb"\\u0000", body, re.I)
        if b"\x00" in body or escaped:
            return HttpResponseBadRequest(self.REFUSAL, content_type="text/plain")
        return None
