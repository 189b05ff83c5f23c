"""Response headers every page carries, whatever app answered it."""

from django.conf import settings


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
