from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    NETWORK = "network", _("Network")
    REGION = "region", _("Region")
    FRANCHISEE = "franchisee", _("Franchisee")


# Which kind of node may hang under which: the franchise tree is network > region > franchisee.
ALLOWED_PARENT_KIND = {
    NodeKind.NETWORK: None,
    NodeKind.REGION: NodeKind.NETWORK,
    NodeKind.FRANCHISEE: NodeKind.REGION,
}


class Role(models.TextChoices):
    FRANCHISOR_ADMIN = "franchisor_admin", _("Franchisor administrator")
    EXECUTIVE = "executive", _("Executive")
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    REGION_MANAGER = "region_manager", _("Region manager")
    FRANCHISEE = "franchisee", _("Franchisee")


DEFAULT_HOT_LEAD_THRESHOLD = 70
PATH_SEPARATOR = "/"
