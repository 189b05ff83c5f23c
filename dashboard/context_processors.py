from accounts.selectors import managed_networks


def navigation(request):
    """What the top bar offers: the team page only to those who administer a network."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_manage_team": lambda: managed_networks(user=user).exists()}
