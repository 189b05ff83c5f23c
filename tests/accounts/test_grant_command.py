import pytest
from django.core.management import CommandError, call_command

from accounts.models import RoleAssignment, User

pytestmark = pytest.mark.django_db


def test_grant_creates_the_user_once_and_the_role(tree, capsys):
    call_command("grant", "New@Acme.example", "region_manager", "nord", "--password", "s3cret-pass")
    call_command("grant", "new@acme.example", "region_manager", "nord")

    user = User.objects.get(email="new@acme.example")
    assert user.check_password("s3cret-pass")
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "node__slug")) == [
        ("region_manager", "nord")
    ]
    assert "Created new@acme.example" in capsys.readouterr().out


@pytest.mark.parametrize(("role", "node"), [("emperor", "nord"), ("franchisee", "atlantis")])
def test_grant_exits_2_for_an_unknown_role_or_node(tree, role, node):
    with pytest.raises(CommandError) as error:
        call_command("grant", "x@acme.example", role, node)

    assert error.value.returncode == 2
    assert not User.objects.filter(email="x@acme.example").exists()
