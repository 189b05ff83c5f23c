from datetime import time

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

# The KPIs of each node below the one shown, on the board and in reports: revenue, leads, their cost, and ROI.
CHILD_KPIS = ["sales_revenue", "leads", "cpl", "roi"]


class ReportCadence(TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    FISCAL_QUARTER = "fiscal_quarter", _("Each fiscal quarter")
    NEW_PROJECT = "new_project", _("New project: weekly for a month, every two weeks for two months, then monthly")


DEFAULT_SEND_TIME = time(8, 0)  # a report's local time of day, unless its administrators choose another
