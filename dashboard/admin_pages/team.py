"""The team page: franchisor administrators invite people, give them a role on a node of their network, and
revoke it; they also read the audit log. Other people may not see the page (404); a read-only person's attempt
to change it is refused (403)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.constants import Role
from accounts.models import Node, RoleAssignment, in_subtree
from accounts.selectors import network_audit, network_team
from accounts.services import role_revoke, user_invite

from ..access import managed_network


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    node = forms.ModelChoiceField(label=gettext_lazy("Node"), queryset=Node.objects.none(), to_field_name="slug")

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = Node.objects.subtree(network).order_by("path")


def _render(request, network, form, status=200):
    return render(
        request,
        "dashboard/team.html",
        {"network": network, "form": form, "team": network_team(network=network),
         "audit": network_audit(network=network)},
        status=status,
    )  # fmt: skip


@login_required
@require_GET
def team(request):
    network = managed_network(request)
    return _render(request, network, InviteForm(network=network))


@login_required
@require_POST
def team_invite(request):
    network = managed_network(request)
    form = InviteForm(request.POST, network=network)
    if not form.is_valid():
        return _render(request, network, form, status=400)
    user, created = user_invite(acting_user=request.user, **form.cleaned_data)
    if created:
        messages.success(request, _("%(email)s is invited: an e-mail is on its way.") % {"email": user.email})
    else:
        messages.success(request, _("%(email)s has a new role.") % {"email": user.email})
    return redirect("dashboard:team")


@login_required
@require_POST
def team_revoke(request, pk):
    network = managed_network(request)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user", "node"), in_subtree(network), pk=pk)
    role_revoke(assignment=assignment, acting_user=request.user)
    messages.success(request, _("Role revoked."))
    return redirect("dashboard:team")
