import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Unit, User
from departments.services import person_upsert, registry_sync
from plans.importer.service import PlanImportError, plan_import

DEMO_PLAN = settings.BASE_DIR / "data" / "plans" / "xingtai-quality-2023-2027.txt"
DEMO_PASSWORD = "Xingtai-Demo-2023"


class Command(BaseCommand):
    help = (
        "Load the demo: the unit registry, the Xingtai plan and demo accounts "
        "(a supervisor, a liaison and a leader per unit, a leadership reader). Idempotent."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("Demo accounts are never created in production."))
        registry_sync(by=None)
        try:
            result = plan_import(data=DEMO_PLAN.read_bytes(), source_name=DEMO_PLAN.name, by=None)
        except PlanImportError as exc:
            raise CommandError(exc.message) from exc
        plan_line = (
            _("Plan already loaded: %(title)s") if result.existed else _("Plan loaded: %(title)s")
        )
        self.stdout.write(plan_line % {"title": result.plan.title})

        people = self._create_people()
        self._start_work(result.plan)
        self.stdout.write("")
        self.stdout.write(
            _("Demo accounts (password for all: %(password)s)") % {"password": DEMO_PASSWORD}
        )
        for username, role, unit_name in people:
            # Role and unit last: CJK text is two columns wide and would skew padding.
            self.stdout.write(f"  {username:<24} {unit_name}  {role}")
        self.stdout.write("")

    def _start_work(self, plan) -> None:  # type: ignore[no-untyped-def]
        """The first time only: three past quarters of work (see ledger/demo.py), then a
        round for the current quarter and a supervision sweep, so that the dashboard,
        the indicators, the bulletins, the assessment and every inbox have content."""
        from demo.demo import build_history
        from rounds.models import Round
        from rounds.opening import round_create
        from rounds.periods import period_label
        from supervision.sweep import sweep
        from workflow.models import TaskProcess

        today = timezone.localdate()
        if TaskProcess.objects.filter(plan_task__plan=plan).exists():
            return
        if Round.objects.filter(plan=plan).exists():
            return
        past = build_history(plan, today)
        self.stdout.write(
            _("Three past quarters of work loaded: %(periods)s.")
            % {"periods": "、".join(rnd.period for rnd in past)}
        )
        quarter = (today.month - 1) // 3 + 1
        deadline = today + datetime.timedelta(days=14)
        rnd = round_create(
            plan=plan,
            by=None,
            period=period_label(Round.Cadence.QUARTERLY, today.year, quarter),
            cadence=Round.Cadence.QUARTERLY,
            deadline=deadline,
            today=today,
        )
        sweep()
        self.stdout.write(
            _("Round %(period)s opened, due %(deadline)s.")
            % {"period": rnd.period, "deadline": deadline.isoformat()}
        )

    @transaction.atomic
    def _create_people(self) -> list[tuple[str, str, str]]:
        password_hash = make_password(DEMO_PASSWORD)
        bureau = Unit.objects.get(code="shichang")
        office = Unit.objects.get(code="zhengfuban")
        # 三员: the administrator and the auditor belong to no unit.
        people: list[tuple[str, str, Unit | None, str]] = [
            ("supervisor", User.Role.SUPERVISOR, bureau, _("Working-group supervisor (demo)")),
            ("leadership", User.Role.READER, office, _("City leadership reader (demo)")),
            ("sysadmin", User.Role.ADMIN, None, _("System administrator (demo)")),
            ("auditor", User.Role.AUDITOR, None, _("Security auditor (demo)")),
        ]
        for unit in Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("sort_order"):
            people.append(
                (
                    f"{unit.code}.liaison",
                    User.Role.LIAISON,
                    unit,
                    _("%(unit)s liaison") % {"unit": unit.name},
                )
            )
            people.append(
                (
                    f"{unit.code}.leader",
                    User.Role.LEADER,
                    unit,
                    _("%(unit)s leader") % {"unit": unit.name},
                )
            )
        for username, role, unit, display_name in people:
            person_upsert(
                username=username,
                role=role,
                unit=unit,
                display_name=display_name,
                password_hash=password_hash,
                by=None,
                is_demo=True,
                # The demo's published password is the point of a demo account.
                must_change_password=False,
            )
        return [
            (username, str(User.Role(role).label), unit.name if unit else "—")
            for username, role, unit, _n in people
        ]
