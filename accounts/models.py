from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length, Lower, Substr
from django.utils.translation import gettext_lazy as _

from .constants import DEFAULT_HOT_LEAD_THRESHOLD, PATH_SEPARATOR, NodeKind, Role


class UserManager(BaseUserManager):
    """Users log in with their e-mail address; there is no separate username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in: franchisor staff, regional managers, franchisees. What they see comes from their
    role assignments, never from flags on the user."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # A new password ends every API token issued under the old one (set_password() leaves the raw password in
        # _password until the save), whichever view, command or admin page changed it.
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.api_tokens_revoke()

    def api_tokens_revoke(self):
        from rest_framework.authtoken.models import Token  # authtoken's models need the user model loaded first

        Token.objects.filter(user=self).delete()


def in_subtree(node, *, via="node"):
    """The rows of `node`'s subtree (`node` and every node below it), for any table: the one rule of the tree's
    materialised paths, a prefix match an index serves. `node` is a Node or its path. `via` says how a row reaches
    its node: a relation ("node", "campaign__node", "thread__node", "role_assignments__node"), "" for nodes
    themselves, or a field holding a copy of the node's path ("node_path", on rollups, which scoping reads without a
    join)."""
    path = node if isinstance(node, str) else node.path
    if via.endswith("path"):
        return Q(**{f"{via}__startswith": path})
    return Q(**{f"{via}__path__startswith" if via else "path__startswith": path})


def path_is_within(path, ancestor):
    """True when the node at `path` is `ancestor` (a Node or its path) or lies below it: in_subtree, in Python."""
    return path.startswith(ancestor if isinstance(ancestor, str) else ancestor.path)


def ancestor_paths_of(path):
    """The paths of every node above the node at `path`, root first."""
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    return [PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:i]) + PATH_SEPARATOR for i in range(1, len(parts))]


def network_path_of(path):
    """The path of the network (the root) of the node at `path`."""
    return ancestor_paths_of(path)[0] if path.count(PATH_SEPARATOR) > 2 else path


class NodeQuerySet(models.QuerySet):
    def subtree(self, node):
        """The node and every node below it, in one indexed prefix query."""
        return self.filter(in_subtree(node, via=""))

    def ancestors_of(self, node, *, include_self=False):
        prefixes = node.ancestor_paths()
        if include_self:
            prefixes.append(node.path)
        return self.filter(path__in=prefixes).order_by("depth")


class Node(models.Model):
    """One node of a franchise tree: the network (the franchisor), a region, or a franchisee (a location).

    `path` is a materialised path of slugs ("/network/region/franchisee/"), so "everything under this node" is one
    indexed prefix match instead of a recursive walk. Currency, time zone, fiscal-year start and hot-lead threshold
    belong to the network; regions and franchisees read them from their network.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)

    currency = models.CharField(_("currency"), max_length=3, default="EUR", help_text=_("ISO 4217 code."))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    hot_lead_threshold = models.PositiveSmallIntegerField(
        _("hot lead threshold"),
        default=DEFAULT_HOT_LEAD_THRESHOLD,
        validators=[MaxValueValidator(100)],
        help_text=_("Leads scoring at least this much (0-100) count as hot."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=NodeKind.NETWORK, parent__isnull=True)
                | (~Q(kind=NodeKind.NETWORK) & Q(parent__isnull=False)),
                name="node_only_networks_are_roots",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="node_fiscal_month_range",
            ),
            models.CheckConstraint(condition=Q(hot_lead_threshold__lte=100), name="node_hot_threshold_range"),
            models.CheckConstraint(condition=Q(slug=Lower("slug")), name="node_slug_lower_case"),
        ]
        indexes = [
            # Prefix matches on path need a pattern index on PostgreSQL under non-C collations.
            models.Index(fields=["path"], name="node_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def build_path(parent, slug):
        base = parent.path if parent else PATH_SEPARATOR
        return f"{base}{slug}{PATH_SEPARATOR}"

    @staticmethod
    def moved_path(field, *, old_path, new_path):
        """An UPDATE's expression for a path held in `field` (a node's own, or a copy of it on another table) once
        the subtree at `old_path` hangs at `new_path`: for rows under `old_path` only."""
        return Concat(Value(new_path), Substr(F(field), Length(Value(old_path)) + 1))

    def ancestor_paths(self):
        """Paths of every node above this one, root first."""
        return ancestor_paths_of(self.path)

    @property
    def zone(self):
        """This node's own time-zone setting (meaningful on a network: its days are cut in it)."""
        return ZoneInfo(self.timezone)

    @property
    def network_slug(self):
        return self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0]

    @property
    def network_path(self):
        return network_path_of(self.path)

    def is_within(self, other):
        """True when this node is `other` or lies below it (`other` a Node or its path)."""
        return path_is_within(self.path, other)


class RoleAssignment(models.Model):
    """A role held by a user on a node; it reaches the node's whole subtree. A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "node", "role"], name="role_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class DisplayLink(models.Model):
    """A wall-screen link: read-only access to one node's boards, with no login, until it expires or is revoked.

    The URL carries a signed token naming this row and its secret nonce; the row decides whether it still works,
    so a revocation takes effect on the next request."""

    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="display_links")
    label = models.CharField(_("label"), max_length=120, blank=True)
    nonce = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The slides the screen rotates through, each {"board": ..., "node": slug or "", "seconds": n} (see
    # dashboard.wall); empty: the default playlist of the link's node.
    playlist = models.JSONField(_("playlist"), default=list, blank=True)
    refresh_seconds = models.PositiveIntegerField(
        _("refresh every (seconds)"), null=True, blank=True, help_text=_("Empty: the installation's default.")
    )

    class Meta:
        verbose_name = _("display link")
        verbose_name_plural = _("display links")
        ordering = ["-created_at"]

    def __str__(self):
        return self.label or f"{self.node} #{self.pk}"

    def is_active(self, now):
        return self.revoked_at is None and self.expires_at > now


class AuditAction(models.TextChoices):
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    DISPLAY_LINK_CREATED = "display_link_created", _("Display link created")
    DISPLAY_LINK_REVOKED = "display_link_revoked", _("Display link revoked")
    DISPLAY_LINK_CHANGED = "display_link_changed", _("Display link changed")
    OBJECTIVE_SET = "objective_set", _("Objective set")
    BOARD_LAYOUT_SET = "board_layout_set", _("Board layout set")


class AuditEvent(models.Model):
    """Who changed access or targets, when, and what: kept for franchisor administrators, never edited."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")  # fmt: skip
    summary = models.CharField(_("summary"), max_length=500)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]

    def __str__(self):
        return self.summary
