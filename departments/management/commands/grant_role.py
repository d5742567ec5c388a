"""Give a person a role from the server: the second person for a privileged role."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from departments.models import Unit, User
from departments.services import PersonError, role_grant


class Command(BaseCommand):
    help = (
        "Give USERNAME the role ROLE (supervisor, reader, auditor, admin, liaison, leader), "
        "approving any request for it that waits. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[role.value for role in User.Role])
        parser.add_argument(
            "--unit",
            default="",
            help="The unit's code (liaisons and leaders; supervisors and readers may have one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            person = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(
                _("No person has the user name %(username)s.") % {"username": options["username"]}
            ) from None
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(_("No unit has the code %(code)s.") % {"code": options["unit"]})
        try:
            role_grant(person=person, role=options["role"], unit=unit)
        except PersonError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("%(person)s now holds the role %(role)s.")
            % {"person": person.username, "role": User.Role(options["role"]).label}
        )
