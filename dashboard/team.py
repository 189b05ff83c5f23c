"""The team page: franchisor administrators invite people, give them a role on a node of their network, and
revoke it; they also read the audit log. Other people may not see the page (404); a read-only person's attempt
to change it is refused (403)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.constants import Role
from accounts.models import Node, RoleAssignment
from accounts.scoping import visible_nodes
from accounts.selectors import managed_networks, network_audit, network_team
from accounts.services import role_revoke, user_invite


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    node = forms.ModelChoiceField(label=gettext_lazy("Node"), queryset=Node.objects.none(), to_field_name="slug")

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = Node.objects.subtree(network).order_by("path")


def _managed_network(request):
    """The network the caller administers. Someone who can see nodes but not manage them gets 403 on a change and
    404 on the page; someone who sees nothing gets 404."""
    network = managed_networks(user=request.user).first()
    if network is not None:
        return network
    if request.method == "POST" and visible_nodes(request.user).exists():
        raise PermissionDenied
    raise Http404


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
    network = _managed_network(request)
    return _render(request, network, InviteForm(network=network))


@login_required
@require_POST
def team_invite(request):
    network = _managed_network(request)
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
    network = _managed_network(request)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user", "node"), pk=pk,
                                   node__path__startswith=network.path)  # fmt: skip
    role_revoke(assignment=assignment, acting_user=request.user)
    messages.success(request, _("Role revoked."))
    return redirect("dashboard:team")
