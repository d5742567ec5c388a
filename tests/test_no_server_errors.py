"""No URL of the project answers a server error, to anyone, on the demo's records.

The demo is loaded once; then every pattern of the URLconf (viewflow's and the
admin's included) is requested with GET as each demo person and as an
anonymous visitor, each path parameter filled with real ids of the demo: the
process and step ids of every node of both flows (a step in each status, from
a process each liaison's unit sees and from one it does not), a record of each
status of every other model a URL names, and an id no record has. A page, a
redirect, a 403, a 404 or a 405 (a POST-only view) is an answer; a 5xx or an
exception is not.

A pattern added later with a parameter nobody told the walk how to fill fails
the table test until someone adds it to PK_OF or PARAMETER_OF.
"""

import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from itertools import product
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Model
from django.test import Client, TestCase, override_settings
from django.urls import get_resolver, reverse
from viewflow.workflow.models import Task as FlowTask

from assessment.models import Adjustment, Assessment, Objection
from audit.models import AuditEvent
from bulletins.models import Bulletin
from departments.models import Unit, User
from indicators.models import Indicator
from jobs.models import Job
from meetings.models import Decision, Meeting
from notices.models import Notice
from plans.models import Plan, PlanUpload
from plans.models import Task as PlanTask
from rounds.flows import ReportFlow
from rounds.models import ReportFile, Round, UnitReport
from supervision.models import Commitment, Interview, InterviewProposal, SupervisionNotice
from tests.test_url_walk import WalkedPattern, walk
from workflow.flows import TaskFlow
from workflow.models import Evidence, TaskProcess

MEDIA = tempfile.mkdtemp(prefix="no-server-errors-")
# The demo's people, and an anonymous visitor (None).
PEOPLE = (
    None,
    "gongxin.liaison",
    "lincheng.liaison",
    "gongxin.leader",
    "supervisor",
    "leadership",
    "sysadmin",
    "auditor",
)
# Whose units' processes and records the walk makes sure to include.
UNIT_PEOPLE = ("gongxin.liaison", "lincheng.liaison")
MISSING_ID = 2_147_483_000

# What `pk` names, pattern by pattern.
PK_OF: dict[str, type[Model]] = {
    "plan_detail": Plan,
    "plan_import_review": PlanUpload,
    "task_detail": PlanTask,
    "task_unassigned_settle": PlanTask,
    "task_suspend": PlanTask,
    "task_resume": PlanTask,
    "task_terminate": PlanTask,
    "evidence_download": Evidence,
    "meeting_detail": Meeting,
    "decision_close": Decision,
    "decision_reopen": Decision,
    "round_detail": Round,
    "round_excel": Round,
    "round_excel_upload": Round,
    "report_detail": UnitReport,
    "report_file_download": ReportFile,
    "notice_read": Notice,
    "supervision_notice": SupervisionNotice,
    "supervision_notice_pdf": SupervisionNotice,
    "supervision_notice_answer": SupervisionNotice,
    "proposal_decide": InterviewProposal,
    "interview_detail": Interview,
    "interview_record": Interview,
    "commitment_report": Commitment,
    "commitment_close": Commitment,
    "unit_detail": Unit,
    "bulletin_detail": Bulletin,
    "bulletin_edit": Bulletin,
    "bulletin_issue": Bulletin,
    "bulletin_pdf": Bulletin,
    "indicator_detail": Indicator,
    "indicator_report": Indicator,
    "assessment_detail": Assessment,
    "assessment_scheme": Assessment,
    "assessment_adjustment_add": Assessment,
    "assessment_adjustment_remove": Adjustment,
    "assessment_publicise": Assessment,
    "assessment_publish": Assessment,
    "assessment_unit": Assessment,
    "assessment_objection_file": Assessment,
    "assessment_objection_answer": Objection,
    "assessment_xlsx": Assessment,
    "assessment_pdf": Assessment,
    "job_detail": Job,
    "job_file": Job,
}
# What the other parameters name, whatever the pattern.
PARAMETER_OF: dict[str, type[Model]] = {
    "plan_pk": Plan,
    "round_pk": Round,
    "unit_pk": Unit,
    "id": User,  # the admin's password page
}
FLOWS = {"task": TaskFlow, "report": ReportFlow}
# Parameters filled from the pattern itself rather than a table.
VIEWFLOW_PARAMETERS = {"process_pk", "task_pk"}
ADMIN_PARAMETERS = {"object_id", "content_type_id", "app_label", "url"}
_ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/<path:object_id>/")
_GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def build_path(pattern: WalkedPattern, kwargs: dict[str, Any]) -> str:
    """The path of a pattern, route or regex, with its parameters filled."""
    route = pattern.route
    if "(?P<" in route:
        route = _GROUP.sub(lambda match: str(kwargs[match.group(1)]), route)
        return "/" + route.replace("^", "").replace("$", "")
    return "/" + _PARAMETER.sub(lambda match: str(kwargs[match.group(1)]), route)


def samples(model: type[Model]) -> list[Any]:
    """Ids of a few records of the model: the newest of each status, else the first
    and the last, and an id no record has."""
    records = model._default_manager.order_by("-pk")
    fields = {field.name for field in model._meta.concrete_fields}
    ids: list[Any] = []
    for name in ("status", "state"):
        if name in fields:
            for value in records.values_list(name, flat=True).distinct():
                ids.append(records.filter(**{name: value}).values_list("pk", flat=True)[0])
    if not ids:
        ids = [record.pk for record in (records.first(), records.last()) if record is not None]
    return [*dict.fromkeys(ids), MISSING_ID]


@override_settings(MEDIA_ROOT=MEDIA)
class NoServerErrorTests(TestCase):
    paths: list[tuple[str, str]]  # (pattern, path)

    @classmethod
    def setUpTestData(cls) -> None:
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", stdout=io.StringIO())
        reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads
        cls.people = {name: User.objects.get(username=name) for name in PEOPLE if name}
        # The demo has no claimed step: 市工业和信息化局's liaison claims its round
        # report and a completion application, as from the inbox.
        liaison = cls.people["gongxin.liaison"]
        cls.claimed: dict[str, int] = {}  # node name: step id
        client = Client()
        client.force_login(liaison)
        for node in (ReportFlow.fill, TaskFlow.apply_completion):
            step = FlowTask.objects.user_queue(liaison).filter(flow_task=node, status="NEW")[0]
            response = client.post(node.reverse("assign", args=[step.process_id, step.pk]))
            assert response.status_code == 302, response.status_code
            cls.claimed[node.name] = FlowTask.objects.get(pk=step.pk, status="ASSIGNED").pk
        cls.unit_processes = {
            name: cls._visible_processes(cls.people[name]) for name in UNIT_PEOPLE
        }
        cls.unfilled: list[str] = []
        cls.paths = []
        for pattern in walk(get_resolver().url_patterns):
            for kwargs in cls._fillings(pattern):
                cls.paths.append((pattern.key, build_path(pattern, kwargs)))

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    @staticmethod
    def _visible_processes(user: User) -> set[int]:
        visible = set()
        for process in TaskProcess.objects.all():
            if TaskFlow.instance.has_view_permission(user, process):
                visible.add(process.pk)
        for report in UnitReport.objects.all():
            if ReportFlow.instance.has_view_permission(user, report):
                visible.add(report.pk)
        return visible

    @classmethod
    def _fillings(cls, pattern: WalkedPattern) -> Iterator[dict[str, Any]]:
        parameters = set(pattern.parameters)
        if not parameters:
            yield {}
            return
        if "process_pk" in parameters:
            yield from cls._viewflow_fillings(pattern)
            return
        if parameters & ADMIN_PARAMETERS:
            yield from cls._admin_fillings(pattern)
            return
        choices: dict[str, list[Any]] = {}
        for name in sorted(parameters):
            model = PK_OF.get(pattern.name) if name == "pk" else PARAMETER_OF.get(name)
            if model is None:
                cls.unfilled.append(f"{pattern.key}: {name}")
                return
            choices[name] = cls._ids(model)
        for values in product(*choices.values()):
            yield dict(zip(choices, values, strict=True))

    @classmethod
    def _ids(cls, model: type[Model]) -> list[Any]:
        if model is Unit:
            # The demo people's units and one the plan never names.
            codes = ("gongxin", "lincheng", "shenji")
            return [*Unit.objects.filter(code__in=codes).values_list("pk", flat=True), MISSING_ID]
        if model is Notice:
            # Each person's newest notice: only its recipient reads it.
            ids = [
                Notice.objects.filter(recipient=person).order_by("-pk").values_list("pk")[:1]
                for person in cls.people.values()
            ]
            return [*dict.fromkeys(pk for found in ids for (pk,) in found), MISSING_ID]
        return samples(model)

    @classmethod
    def _viewflow_fillings(cls, pattern: WalkedPattern) -> Iterator[dict[str, Any]]:
        flow_name, *rest = pattern.name.split(":")
        flow = FLOWS[flow_name]
        if "task_pk" not in pattern.parameters:
            processes = flow.process_class.objects.order_by("-pk")
            for pk in cls._spread(processes.values_list("pk", "status")):
                yield {"process_pk": pk}
            yield {"process_pk": MISSING_ID}
            return
        node = getattr(flow, rest[0])
        tasks = FlowTask.objects.filter(flow_task=node).order_by("-pk")
        rows = tasks.values_list("pk", "status", "process_id")
        process_of = {pk: process for pk, _status, process in rows}
        for pk in cls._spread([(pk, status) for pk, status, _process in rows], process_of):
            yield {"process_pk": process_of[pk], "task_pk": pk}
        any_task = next(iter(process_of.items()), (MISSING_ID, MISSING_ID))
        yield {"process_pk": any_task[1], "task_pk": MISSING_ID}

    @classmethod
    def _spread(cls, rows: Any, process_of: dict[int, int] | None = None) -> list[int]:
        """Per status, the newest record of a process each unit person sees, and the
        newest of a process neither sees."""
        chosen: dict[int, None] = {}
        seen: set[tuple[str, str]] = set()
        every = set().union(*cls.unit_processes.values())
        for pk, status in rows:
            process = process_of[pk] if process_of else pk
            for name, visible in [*cls.unit_processes.items(), ("none", None)]:
                fits = process not in every if visible is None else process in visible
                if fits and (name, status) not in seen:
                    seen.add((name, status))
                    chosen[pk] = None
        return list(chosen)

    @classmethod
    def _admin_fillings(cls, pattern: WalkedPattern) -> Iterator[dict[str, Any]]:
        parameters = pattern.parameters
        if "url" in parameters:
            yield {"url": "no-such-page/"}
        elif "app_label" in parameters:
            labels = _GROUP.search(pattern.route).group(2)  # type: ignore[union-attr]
            for label in labels.split("|"):
                yield {"app_label": label}
        elif "content_type_id" in parameters:
            unit_type = ContentType.objects.get_for_model(Unit)
            yield {"content_type_id": unit_type.pk, "object_id": Unit.objects.first().pk}
        else:
            match = _ADMIN_MODEL.match(pattern.route)
            if match is None:
                cls.unfilled.append(f"{pattern.key}: {sorted(parameters)}")
                return
            model = apps.get_model(match.group(1), match.group(2))
            for pk in samples(model):
                yield {"object_id": pk}

    def test_every_parameter_is_filled(self) -> None:
        self.assertEqual(self.unfilled, [], "add the parameters' models to PK_OF or PARAMETER_OF")
        self.assertGreater(len(self.paths), 600)

    def test_a_report_step_shows_under_its_report(self) -> None:
        step = FlowTask.objects.get(pk=self.claimed["fill"])
        report = UnitReport.objects.get(pk=step.process_id)
        args = [report.pk, step.pk]
        self.client.force_login(self.people["gongxin.liaison"])
        for action in ("detail", "unassign"):
            with self.subTest(action=action):
                response = self.client.get(ReportFlow.fill.reverse(action, args=args))
                self.assertEqual(response.status_code, 200)
                self.assertContains(
                    response, f'href="{reverse("round_detail", args=[report.round_id])}"'
                )
                back = (
                    f'href="{reverse("report_detail", args=[report.pk])}" data-testid="step-back"'
                )
                self.assertContains(response, back)
        # Its start step, a gateway's page, names the report too.
        start = FlowTask.objects.get(process_id=report.pk, flow_task=ReportFlow.start)
        response = self.client.get(ReportFlow.start.reverse("detail", args=[report.pk, start.pk]))
        self.assertContains(response, reverse("report_detail", args=[report.pk]))

    def test_another_units_report_step_answers_404_and_is_recorded(self) -> None:
        step = FlowTask.objects.get(pk=self.claimed["fill"])
        path = ReportFlow.fill.reverse("detail", args=[step.process_id, step.pk])
        visitor = self.people["lincheng.liaison"]
        self.client.force_login(visitor)
        denied = AuditEvent.objects.filter(action="access.denied", username=visitor.username)
        self.assertEqual(self.client.get(path).status_code, 404)
        self.assertEqual(denied.filter(summary__path=path).count(), 1)

    def test_a_task_step_still_shows_under_its_task(self) -> None:
        step = FlowTask.objects.get(pk=self.claimed["apply_completion"])
        process = TaskProcess.objects.get(pk=step.process_id)
        self.client.force_login(self.people["gongxin.liaison"])
        url = TaskFlow.apply_completion.reverse("unassign", args=[process.pk, step.pk])
        response = self.client.get(url)
        back = (
            f'href="{reverse("task_detail", args=[process.plan_task_id])}" data-testid="step-back"'
        )
        self.assertContains(response, back)

    def test_a_finished_step_offers_its_owner_no_release(self) -> None:
        liaison = self.people["gongxin.liaison"]
        done = FlowTask.objects.filter(flow_task=ReportFlow.fill, status="DONE", owner=liaison)[0]
        self.client.force_login(liaison)
        url = ReportFlow.fill.reverse("unassign", args=[done.process_id, done.pk])
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(url).status_code, 403)
        done.refresh_from_db()
        self.assertEqual((done.status, done.owner), ("DONE", liaison))

    def test_an_anonymous_visitor_claims_no_supervisors_step(self) -> None:
        step = FlowTask.objects.filter(flow_task=TaskFlow.review_work_plan).first()
        url = TaskFlow.review_work_plan.reverse("assign", args=[step.process_id, step.pk])
        self.assertEqual(self.client.get(url).status_code, 403)

    def walk_as(self, username: str | None) -> None:
        client = Client(raise_request_exception=True)
        if username:
            client.force_login(self.people[username])
        failures = []
        for key, path in self.paths:
            try:
                status = client.get(path).status_code
            except Exception as exc:
                failures.append(f"{path} ({key}): {type(exc).__name__}: {exc}"[:300])
                continue
            if status >= 500:
                failures.append(f"{path} ({key}): {status}")
        who = username or "anonymous"
        if failures:
            self.fail(f"{len(failures)} server errors as {who}:\n" + "\n".join(failures))

    def test_anonymous(self) -> None:
        self.walk_as(None)

    def test_gongxin_liaison(self) -> None:
        self.walk_as("gongxin.liaison")

    def test_lincheng_liaison(self) -> None:
        self.walk_as("lincheng.liaison")

    def test_gongxin_leader(self) -> None:
        self.walk_as("gongxin.leader")

    def test_supervisor(self) -> None:
        self.walk_as("supervisor")

    def test_leadership(self) -> None:
        self.walk_as("leadership")

    def test_sysadmin(self) -> None:
        self.walk_as("sysadmin")

    def test_auditor(self) -> None:
        self.walk_as("auditor")
