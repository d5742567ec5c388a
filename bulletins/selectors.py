"""Who sees which bulletins: supervisors every one, drafts included; leadership
readers the issued ones; everyone else the issued ones circulated to their unit."""

from django.db.models import Q, QuerySet

from bulletins.models import Bulletin
from departments.access import unit_scope
from departments.models import User
from departments.permissions import may_supervise
from plans.selectors import plans_visible_to


def bulletins_visible_to(user: User) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.select_related("plan", "round")
    if may_supervise(user):
        return bulletins
    issued = bulletins.filter(status=Bulletin.Status.ISSUED, plan__in=plans_visible_to(user))
    scope = unit_scope(user)
    if scope is None:
        return issued
    return issued.filter(units__in=scope).distinct()


def recipients_of(bulletin: Bulletin) -> QuerySet[User]:
    """The people a bulletin goes to: the liaisons and leaders of its units, and the
    leadership readers when it goes to the leadership."""
    wanted = Q(unit__in=bulletin.units.all(), role__in=[User.Role.LIAISON, User.Role.LEADER])
    if bulletin.to_leadership:
        wanted |= Q(role=User.Role.READER)
    return User.objects.filter(wanted, is_active=True).order_by("unit__sort_order", "username")
