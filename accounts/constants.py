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


class WallBoard(models.TextChoices):
    """What one slide of a wall screen shows, for one node."""

    OBJECTIVES = "objectives", _("Business objectives")
    OPERATIONS = "operations", _("Operational KPIs")
    RANKING = "ranking", _("Ranking of the nodes below")
    KPI = "kpi", _("One KPI beside its driver")


WALL_SLIDE_SECONDS = (5, 3600)  # shortest and longest time a slide stays on screen
WALL_REFRESH_SECONDS = (10, 24 * 3600)  # how often, at most and at least, a screen reloads its data
