"""Franchisor administrators granted before the admin was scoped become staff: they now manage their network's
configuration there (accounts.admin_scoping), as user_grant makes new ones."""

from django.db import migrations

FRANCHISOR_ADMIN = "franchisor_admin"


def franchisor_admins_staff(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(role_assignments__role=FRANCHISOR_ADMIN, is_staff=False).update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_wall_playlists_board_layouts")]

    operations = [migrations.RunPython(franchisor_admins_staff, migrations.RunPython.noop)]
