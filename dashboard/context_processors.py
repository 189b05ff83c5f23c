from accounts.selectors import managed_networks

from .questions.selectors import unread_notifications_count


def navigation(request):
    """What the top bar offers: the team page only to those who administer a network, and the count of unread
    notifications (read only when a page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_manage_team": lambda: managed_networks(user=user).exists(),
            "unread_notifications": lambda: unread_notifications_count(user=user)}  # fmt: skip
