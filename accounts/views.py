from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from .throttling import login_blocked, login_failed, login_succeeded


def client_address(request):
    return request.META.get("REMOTE_ADDR", "")


class LoginView(auth_views.LoginView):
    """Django's login, refusing further attempts for a while after repeated failures."""

    def post(self, request, *args, **kwargs):
        email, address = request.POST.get("username", ""), client_address(request)
        if login_blocked(email=email, address=address):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Please wait a few minutes before trying again."))
            return self.render_to_response(self.get_context_data(form=form, throttled=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failed(email=self.request.POST.get("username", ""), address=client_address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_succeeded(email=form.get_user().email, address=client_address(self.request))
        return super().form_valid(form)


class TokenView(ObtainAuthToken):
    """POST {"username": email, "password": ...} -> {"token": ...}, throttled like the login page."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
