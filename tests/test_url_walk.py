"""Every URL that names a record by id answers 404 to a person whose unit has nothing to
do with the record, as if the record did not exist (departments/access.py's one rule).

The test walks the whole URLconf, so a pattern added later without an entry in
URL_IDS (how to fill its ids with another unit's records) fails the suite until
someone decides what it must answer.
"""

import datetime
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit, User
from jobs.models import Job
from plans.models import PlanUpload
from rounds.flows import ReportFlow
from rounds.models import ReportFile, UnitReport
from rounds.opening import round_create
from tests.assessment.base import assessment_of_other_units
from tests.base import PlanTestCase, make_person
from tests.bulletins.base import bulletin_of_other_units
from tests.indicators.base import indicator_of_other_units
from tests.meetings.base import meeting_of_other_units
from tests.notices.base import notice_of_another_person
from tests.supervision.base import supervision_of_other_units
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.models import Evidence, TaskEvent, TaskProcess

TODAY = datetime.date(2024, 1, 8)
MEDIA = tempfile.mkdtemp(prefix="url-walk-tests-")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The last word of a pattern's name says it changes something: those are also POSTed.
POST_ACTIONS = {
    "assign",
    "unassign",
    "execute",
    "cancel",
    "undo",
    "revive",
    "suspend",
    "resume",
    "terminate",
    "dispatch",
}
ADMIN_PREFIX = "admin/"
# An id no fixture record has: what the project answers for a record that does not exist.
MISSING_ID = 2_147_483_000
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class WalkedPattern:
    route: str  # the full route, e.g. "workflow/<int:process_pk>/end/<int:task_pk>/"
    name: str  # namespaced, e.g. "task:end:index"; "" for an unnamed pattern
    parameters: frozenset[str]

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def action(self) -> str:
        return re.split(r"[:_]", self.name)[-1] if self.name else ""

    def path(self, kwargs: dict[str, Any]) -> str:
        return "/" + _PARAMETER.sub(lambda match: str(kwargs[match.group(1)]), self.route)


def walk(
    patterns: list[Any],
    prefix: str = "",
    namespace: str = "",
    parameters: frozenset[str] = frozenset(),
) -> Iterator[WalkedPattern]:
    """Every pattern of the URLconf, with its full route, namespaced name and parameters."""
    for entry in patterns:
        # RoutePattern and RegexPattern both compile to a regex with named groups.
        found = parameters | frozenset(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, route, inner, found)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield WalkedPattern(route=route, name=name, parameters=found)


def patterns_with_ids() -> list[WalkedPattern]:
    """The project's own patterns that name a record (any captured parameter counts)."""
    return [
        pattern
        for pattern in walk(get_resolver().url_patterns)
        if pattern.parameters and not pattern.route.startswith(ADMIN_PREFIX)
    ]


def admin_patterns_with_ids() -> list[WalkedPattern]:
    # The admin's regex patterns capture an app label or the catch-all rest of
    # the path, not a record's id.
    return [
        pattern
        for pattern in walk(get_resolver().url_patterns)
        if pattern.route.startswith(ADMIN_PREFIX)
        and any(name == "id" or name.endswith("_id") for name in pattern.parameters)
    ]


KwargsFor = Callable[["OtherUnitsRecords", str], dict[str, Any]]


def _step(node_name: str, flow: str) -> KwargsFor:
    def kwargs(case: "OtherUnitsRecords", action: str) -> dict[str, Any]:
        task = case.step_for(node_name, action, flow=flow)
        return {"process_pk": task.process_id, "task_pk": task.pk}

    return kwargs


def _node(node_name: str, *actions: str, flow: str = "task") -> dict[str, KwargsFor]:
    return {f"{flow}:{node_name}:{action}": _step(node_name, flow) for action in actions}


# Human steps (flow.View) have every task URL; gateways, the split, the join,
# start and end have fewer. Listed by hand on purpose: see the module docstring.
HUMAN = ("index", "detail", "execute", "assign", "unassign", "cancel", "undo", "revive")
GATE = ("index", "detail", "cancel", "undo", "revive")


def job_of_another_person(case: Any) -> Job:
    """For the URL walk: a finished export job of the supervisor's (only its requester
    sees a job, whatever the unit)."""
    job, _created = Job.objects.get_or_create(
        kind="ledger.export",
        requested_by=case.supervisor,
        defaults={"state": Job.State.DONE, "params": {"plan": case.plan.pk}},
    )
    return job


URL_IDS: dict[str, KwargsFor] = {
    # A background job and its file: its requester's only.
    "job_detail": lambda case, action: {"pk": job_of_another_person(case).pk},
    "job_file": lambda case, action: {"pk": job_of_another_person(case).pk},
    # ledger and the dispatch page: the plan, and a task of another unit.
    "plan_detail": lambda case, action: {"pk": case.plan.pk},
    "plan_dispatch": lambda case, action: {"plan_pk": case.plan.pk},
    # The import page's staged file: its uploader's only.
    "plan_import_review": lambda case, action: {
        "pk": PlanUpload.objects.create(
            uploaded_by=case.supervisor, source_name="plan.txt", data=b"plan"
        ).pk
    },
    "task_detail": lambda case, action: {"pk": case.working.plan_task_id},
    "task_suspend": lambda case, action: {"pk": case.working.plan_task_id},
    "task_resume": lambda case, action: {"pk": case.working.plan_task_id},
    "task_terminate": lambda case, action: {"pk": case.working.plan_task_id},
    "task_unassigned_settle": lambda case, action: {"pk": case.working.plan_task_id},
    "evidence_download": lambda case, action: {"pk": case.evidence.pk},
    # meetings: 市工业和信息化局 attended and owns the items (1 open, 2 closed).
    "plan_meetings": lambda case, action: {"plan_pk": case.plan.pk},
    "meeting_record": lambda case, action: {"plan_pk": case.plan.pk},
    "meeting_detail": lambda case, action: {"pk": meeting_of_other_units(case).pk},
    "decision_close": lambda case, action: {
        "pk": meeting_of_other_units(case).decisions.get(number=1).pk
    },
    "decision_reopen": lambda case, action: {
        "pk": meeting_of_other_units(case).decisions.get(number=2).pk
    },
    # reporting rounds: 市工业和信息化局's and 市发展改革委's reports on tasks 4 and 8.
    "plan_rounds": lambda case, action: {"plan_pk": case.plan.pk},
    "round_detail": lambda case, action: {"pk": case.round.pk},
    "report_detail": lambda case, action: {"pk": case.report_done.pk},
    "report_file_download": lambda case, action: {"pk": case.report_file.pk},
    # the ledger and the round sheets: the plan, and the round of those reports.
    "plan_ledger": lambda case, action: {"plan_pk": case.plan.pk},
    "plan_ledger_xlsx": lambda case, action: {"plan_pk": case.plan.pk},
    "round_excel": lambda case, action: {"pk": case.round.pk},
    "round_excel_upload": lambda case, action: {"pk": case.round.pk},
    # notices: one to 市工业和信息化局's liaison; only its recipient ever sees it.
    "notice_read": lambda case, action: {"pk": notice_of_another_person(case).pk},
    # supervision: 市工业和信息化局's 督办单, interview proposal, held interview (one
    # commitment open, one reported) and its unit page.
    "supervision_notice": lambda case, action: {"pk": supervision_of_other_units(case).notice.pk},
    "supervision_notice_pdf": lambda case, action: {
        "pk": supervision_of_other_units(case).notice.pk
    },
    "supervision_notice_answer": lambda case, action: {
        "pk": supervision_of_other_units(case).notice.pk
    },
    "proposal_decide": lambda case, action: {"pk": supervision_of_other_units(case).proposal.pk},
    "interview_detail": lambda case, action: {"pk": supervision_of_other_units(case).interview.pk},
    "interview_record": lambda case, action: {"pk": supervision_of_other_units(case).interview.pk},
    "commitment_report": lambda case, action: {
        "pk": supervision_of_other_units(case).open_commitment.pk
    },
    "commitment_close": lambda case, action: {
        "pk": supervision_of_other_units(case).reported_commitment.pk
    },
    "unit_detail": lambda case, action: {"pk": case.gongxin.pk},
    # bulletins: one issued to 市工业和信息化局 only.
    "plan_bulletins": lambda case, action: {"plan_pk": case.plan.pk},
    "bulletin_detail": lambda case, action: {"pk": bulletin_of_other_units(case).pk},
    "bulletin_edit": lambda case, action: {"pk": bulletin_of_other_units(case).pk},
    "bulletin_issue": lambda case, action: {"pk": bulletin_of_other_units(case).pk},
    "bulletin_pdf": lambda case, action: {"pk": bulletin_of_other_units(case).pk},
    # indicators: the plan's, and 市工业和信息化局's (task 4, 新增工业企业研发机构).
    "plan_indicators": lambda case, action: {"plan_pk": case.plan.pk},
    "indicator_detail": lambda case, action: {"pk": indicator_of_other_units(case).pk},
    "indicator_report": lambda case, action: {"pk": indicator_of_other_units(case).pk},
    "round_indicators": lambda case, action: {"round_pk": case.round.pk},
    # the dashboard: the plan's, and 市工业和信息化局's view of it.
    "plan_dashboard": lambda case, action: {"plan_pk": case.plan.pk},
    "unit_dashboard": lambda case, action: {"plan_pk": case.plan.pk, "unit_pk": case.gongxin.pk},
    # the annual assessment: one publicised, scoring 市工业和信息化局 only, with its
    # objection and a manual item.
    "plan_assessments": lambda case, action: {"plan_pk": case.plan.pk},
    "assessment_detail": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_scheme": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_adjustment_add": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_adjustment_remove": lambda case, action: {
        "pk": assessment_of_other_units(case).adjustments.get().pk
    },
    "assessment_publicise": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_publish": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_unit": lambda case, action: {
        "pk": assessment_of_other_units(case).pk,
        "unit_pk": case.gongxin.pk,
    },
    "assessment_objection_file": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_objection_answer": lambda case, action: {
        "pk": assessment_of_other_units(case).objections.get().pk
    },
    "assessment_xlsx": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    "assessment_pdf": lambda case, action: {"pk": assessment_of_other_units(case).pk},
    # viewflow's process pages.
    "task:process_detail": lambda case, action: {"process_pk": case.working.pk},
    "report:process_detail": lambda case, action: {"process_pk": case.report_done.pk},
    # viewflow's task pages, one set per node of TaskFlow.
    **_node("start", "index", "detail", "undo"),
    **_node("acknowledge", *HUMAN),
    **_node("split_work_plan", "index", "detail", "undo", "revive"),
    **_node("write_part", *HUMAN),
    **_node("join_work_plan", *GATE),
    **_node("sign_work_plan", *HUMAN),
    **_node("review_work_plan", *HUMAN),
    **_node("check_work_plan", *GATE),
    **_node("apply_completion", *HUMAN),
    **_node("sign_completion", *HUMAN),
    **_node("verify_completion", *HUMAN),
    **_node("check_completion", *GATE),
    **_node("end", "index", "detail", "undo", "revive"),
    # viewflow's task pages of ReportFlow.
    **_node("start", "index", "detail", "undo", flow="report"),
    **_node("fill", *HUMAN, flow="report"),
    **_node("sign", *HUMAN, flow="report"),
    **_node("check_sign", *GATE, flow="report"),
    **_node("review", *HUMAN, flow="report"),
    **_node("check_review", *GATE, flow="report"),
    **_node("end", "index", "detail", "undo", "revive", flow="report"),
}

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
# The step each action applies to, so that a missing check would let it act.
PREFERRED_STATUS = {
    "assign": [STATUS.NEW],
    "unassign": [STATUS.ASSIGNED],
    "execute": [STATUS.ASSIGNED],
    "cancel": [STATUS.NEW, STATUS.ASSIGNED],
    "undo": [STATUS.DONE],
    "revive": [STATUS.CANCELED, STATUS.ERROR, STATUS.DONE],
}


@override_settings(MEDIA_ROOT=MEDIA)
class OtherUnitsRecords(PlanTestCase):
    """Three processes of tasks the 市审计局 liaison's unit is not in: one waiting for its
    acknowledgement, one with its work-plan parts being written (one claimed), one
    taken through every node to its end, with an evidence file."""

    waiting: TaskProcess
    working: TaskProcess
    closed: TaskProcess
    evidence: Evidence

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads
        bureau_liaison = make_person("t.shichang", User.Role.LIAISON, cls.bureau)
        client = Client()
        tasks = cls.plan.tasks
        # Task 4: lead 市工业和信息化局 alone; task 8: with 市发展改革委; task 6: with
        # 市市场监管局. The counties are informed on each, not branched.
        cls.waiting, cls.working, cls.closed = task_dispatch(
            tasks=[tasks.get(number=4), tasks.get(number=8), tasks.get(number=6)],
            by=cls.supervisor,
            today=TODAY,
        )
        lead_part = {
            "content": "推进工业企业质量提升。",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "完成年度质量提升计划",
            "milestones-0-due_on": "2024-06-30",
        }
        co_part = {"content": "配合开展质量提升行动。", "milestones-TOTAL_FORMS": "0"}
        co_part["milestones-INITIAL_FORMS"] = "0"

        def run(user: User, process: Any, node: Any, data: dict | None = None) -> None:
            # The step waiting in the person's queue, as they would find it.
            step = FlowTask.objects.user_queue(user).get(
                process_id=process.pk, flow_task=node, status=STATUS.NEW
            )
            client.force_login(user)
            args = [process.pk, step.pk]
            assert client.post(node.reverse("assign", args=args)).status_code == 302
            if data is not None:
                response = client.post(node.reverse("execute", args=args), data)
                assert response.status_code == 302, response.content[:800]

        run(cls.lead_liaison, cls.working, TaskFlow.acknowledge, {})
        run(cls.lead_liaison, cls.working, TaskFlow.write_part)  # claimed, not yet written

        run(cls.lead_liaison, cls.closed, TaskFlow.acknowledge, {})
        run(cls.lead_liaison, cls.closed, TaskFlow.write_part, lead_part)
        run(bureau_liaison, cls.closed, TaskFlow.write_part, co_part)
        run(cls.leader, cls.closed, TaskFlow.sign_work_plan, {})
        run(cls.supervisor, cls.closed, TaskFlow.review_work_plan, {"decision": "approve"})
        report = SimpleUploadedFile("完成报告.pdf", PDF, "application/pdf")
        summary = {"summary": "质量提升计划已完成。", "files": [report]}
        run(cls.lead_liaison, cls.closed, TaskFlow.apply_completion, summary)
        run(cls.leader, cls.closed, TaskFlow.sign_completion, {})
        run(
            cls.supervisor,
            cls.closed,
            TaskFlow.verify_completion,
            {"decision": "approve", "confirm": "on"},
        )
        cls.closed.refresh_from_db()
        assert cls.closed.status == "DONE", cls.closed.status
        cls.evidence = Evidence.objects.get(process=cls.closed)

        # A round on tasks 4 and 8: 市工业和信息化局's report taken to its end with a
        # file, 市发展改革委's claimed and not yet filled.
        cls.round = round_create(
            plan=cls.plan, by=cls.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        cls.report_done = UnitReport.objects.get(round=cls.round, unit=cls.gongxin)
        filled = {"action": "submit"}
        for task in cls.report_done.entries.values_list("task_id", flat=True):
            filled |= {f"e{task}-progress": "按计划推进", f"e{task}-schedule": "on"}
            filled[f"e{task}-files"] = SimpleUploadedFile("台账.pdf", PDF, "application/pdf")
        run(cls.lead_liaison, cls.report_done, ReportFlow.fill, filled)
        run(cls.leader, cls.report_done, ReportFlow.sign, {"decision": "sign"})
        approve = {
            f"e{task}-decision": "approve"
            for task in cls.report_done.entries.values_list("task_id", flat=True)
        }
        run(cls.supervisor, cls.report_done, ReportFlow.review, approve)
        cls.report_done.refresh_from_db()
        assert cls.report_done.status == "DONE", cls.report_done.status
        cls.report_file = ReportFile.objects.filter(entry__report=cls.report_done).first()
        fagai = UnitReport.objects.get(round=cls.round, unit__code="fagai")
        run(make_person("t.fagai", User.Role.LIAISON, fagai.unit), fagai, ReportFlow.fill)
        cls.reports = [cls.report_done, fagai]

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        reverse("home")

    def step_for(
        self,
        node_name: str,
        action: str,
        processes: list[Any] | None = None,
        flow: str = "task",
    ) -> FlowTask:
        """A task of the node in the fixture processes, in the status the action applies to."""
        if flow == "report":
            node = getattr(ReportFlow, node_name)
            processes = processes or self.reports
        else:
            node = getattr(TaskFlow, node_name)
            processes = processes or [self.waiting, self.working, self.closed]
        tasks = list(
            FlowTask.objects.filter(process_id__in=[p.pk for p in processes], flow_task=node)
        )
        if not tasks:
            raise AssertionError(f"No {node_name} task in the fixture: drive a process there.")
        preferred = PREFERRED_STATUS.get(action, OPEN)

        def rank(task: FlowTask) -> tuple[int, int]:
            place = preferred.index(task.status) if task.status in preferred else len(preferred)
            return place, -task.pk

        return min(tasks, key=rank)

    def state(self) -> list[tuple]:
        """What a request that slipped through could have changed."""
        processes = [self.waiting.pk, self.working.pk, self.closed.pk]
        processes += [report.pk for report in self.reports]
        return [
            *FlowTask.objects.filter(process_id__in=processes)
            .order_by("pk")
            .values_list("pk", "status", "owner_id"),
            *TaskProcess.objects.filter(pk__in=processes)
            .order_by("pk")
            .values_list("pk", "status", "suspended"),
        ]


class UrlWalkTests(OtherUnitsRecords):
    def test_every_pattern_with_an_id_has_an_entry_in_the_table(self) -> None:
        walked = {pattern.key for pattern in patterns_with_ids()}
        self.assertEqual(
            sorted(walked - URL_IDS.keys()),
            [],
            "URL patterns with ids and no 404 check: add them to URL_IDS",
        )
        self.assertEqual(sorted(URL_IDS.keys() - walked), [], "URL_IDS names gone patterns")

    def test_the_audit_pages_name_no_record(self) -> None:
        # The trail is the auditors' whole-city page; it has no ids to guess.
        audit = [p.route for p in walk(get_resolver().url_patterns) if p.route.startswith("audit")]
        self.assertEqual(sorted(audit), ["audit/", "audit/export.xlsx"])

    def test_an_unrelated_units_liaison_gets_404_on_every_url_with_an_id(self) -> None:
        visitor = self.unrelated_liaison  # 市审计局: in no task of the plan
        self.client.force_login(visitor)
        before = self.state()
        denied = AuditEvent.objects.filter(action="access.denied", username=visitor.username)
        walked = 0
        for pattern in patterns_with_ids():
            if pattern.key not in URL_IDS:
                continue  # reported by the table test
            kwargs = URL_IDS[pattern.key](self, pattern.action)
            path = pattern.path(kwargs)
            missing = pattern.path(dict.fromkeys(kwargs, MISSING_ID))
            with self.subTest(pattern=pattern.key, path=path):
                # The path reaches this pattern, not an earlier one shadowing it.
                self.assertEqual(resolve(path).route, pattern.route)
                methods = ["get", "post"] if pattern.action in POST_ACTIONS else ["get"]
                for method in methods:
                    walked += 1
                    recorded = denied.filter(summary__path=path).count()
                    response = getattr(self.client, method)(path, {"reason": "看看"})
                    if method == "get" and response.status_code == 405:
                        # A POST-only view: a GET learns nothing, the same for any id.
                        self.assertEqual(self.client.get(missing).status_code, 405)
                        continue
                    self.assertEqual(response.status_code, 404, f"{method.upper()} {path}: not 404")
                    # The refusal is kept in the audit trail (the record exists).
                    self.assertEqual(
                        denied.filter(summary__path=path).count(),
                        recorded + 1,
                        f"{method.upper()} {path}: 404 without an access.denied row",
                    )
        self.assertGreater(walked, len(URL_IDS))
        self.assertEqual(self.state(), before, "a refused request changed a task")

    def test_the_admin_sends_an_unrelated_liaison_to_its_login_page(self) -> None:
        self.client.force_login(self.unrelated_liaison)
        patterns = admin_patterns_with_ids()
        self.assertTrue(patterns)
        for pattern in patterns:
            path = pattern.path(dict.fromkeys(pattern.parameters, self.supervisor.pk))
            with self.subTest(pattern=pattern.key, path=path):
                response = self.client.get(path)
                login = redirect_to_login(path, reverse("admin:login"))["Location"]
                self.assertRedirects(response, login, fetch_redirect_response=False)


TASK_URL = re.compile(r"^task:(?P<node>\w+):(?P<action>\w+)$")


class TaskUrlConsistencyTests(OtherUnitsRecords):
    """A task URL names a process and a task of one node: the three must agree.

    viewflow's task wrappers (viewflow/workflow/flow/utils.py) load the task by
    its id alone; UnitScopeMiddleware checks that the task belongs to the URL's
    process and node.
    """

    def test_a_task_of_another_process_under_a_visible_process_answers_404(self) -> None:
        # 市发展改革委 writes a part of task 8 (`working`), and has nothing to do with
        # task 6 (`closed`): its liaison sees the one process and not the other.
        fagai = make_person("t.fagai", User.Role.LIAISON, Unit.objects.get(code="fagai"))
        self.client.force_login(fagai)
        answers = []
        for key in sorted(URL_IDS):
            match = TASK_URL.match(key)
            if match is None:
                continue
            task = self.step_for(match["node"], match["action"], [self.closed])
            path = reverse(key, kwargs={"process_pk": self.working.pk, "task_pk": task.pk})
            methods = ["get", "post"] if match["action"] in POST_ACTIONS else ["get"]
            for method in methods:
                status = getattr(self.client, method)(path).status_code
                if status != 404:
                    answers.append(f"{method.upper()} {path}: {status}")
        self.assertEqual(answers, [])

    def test_a_step_under_another_nodes_url_answers_404(self) -> None:
        # The lead liaison has claimed 工信局's work-plan branch of task 8.
        branch = FlowTask.objects.get(
            process_id=self.working.pk, flow_task=TaskFlow.write_part, status=STATUS.ASSIGNED
        )
        self.client.force_login(self.lead_liaison)
        args = [self.working.pk, branch.pk]
        answers = []
        for node in (
            TaskFlow.acknowledge,
            TaskFlow.sign_work_plan,
            TaskFlow.review_work_plan,
            TaskFlow.apply_completion,
            TaskFlow.sign_completion,
            TaskFlow.verify_completion,
        ):
            status = self.client.get(node.reverse("execute", args=args)).status_code
            if status != 404:
                answers.append(f"GET {node.name} execute: {status}")
        url = TaskFlow.review_work_plan.reverse("execute", args=args)
        status = self.client.post(url, {"decision": "approve"}).status_code
        if status != 404:
            answers.append(f"POST review_work_plan execute: {status}")
        events = TaskEvent.objects.filter(process=self.working, action="work_plan.approve")
        if events.exists():
            answers.append(f"work_plan.approve recorded by {events.get().by.username}")
        branch.refresh_from_db()
        if branch.status != STATUS.ASSIGNED:
            answers.append(f"the branch is {branch.status} with no part written")
        self.assertEqual(answers, [])


# A download view names a file or a document by its id: each must answer 404 to a
# person of another unit on the same task, not only to an unrelated one. The last word
# of a pattern's name says it is a download.
DOWNLOAD = re.compile(r"(download|xlsx|pdf|excel)$")


@dataclass(frozen=True)
class CoUnitDownload:
    """Another unit's record on a task the visitor's unit answers for too."""

    visitor: Callable[["CoUnitRecords"], User]
    kwargs: Callable[["CoUnitRecords"], dict[str, Any]]
    query: Callable[["CoUnitRecords"], dict[str, Any]] = lambda case: {}


# Either how to reach a co-unit's record, or why the download is not a unit's record.
CO_UNIT_DOWNLOADS: dict[str, CoUnitDownload | str] = {
    # 市发展改革委's part of task 8 (signed off and approved) and 临城县's part as one of
    # the county group: read by their own unit, the lead unit and the city only.
    "report_file_download": CoUnitDownload(
        visitor=lambda case: case.county_liaison, kwargs=lambda case: {"pk": case.fagai_file.pk}
    ),
    "report_file_download:county": CoUnitDownload(
        visitor=lambda case: case.other_county_liaison,
        kwargs=lambda case: {"pk": case.county_file.pk},
    ),
    "report_file_download:draft": CoUnitDownload(
        visitor=lambda case: case.other_county_liaison,
        kwargs=lambda case: {"pk": case.county_draft_file.pk},
    ),
    # A unit's round sheet, asked for by another unit of the same round.
    "round_excel": CoUnitDownload(
        visitor=lambda case: case.county_liaison,
        kwargs=lambda case: {"pk": case.round.pk},
        query=lambda case: {"unit": case.fagai.pk},
    ),
    "plan_ledger_xlsx": "the plan's ledger: its rows follow the entry rule (tests/ledger)",
    "evidence_download": "a task's completion evidence (workflow): not a unit's report",
    "supervision_notice_pdf": "a notice to one unit: the unrelated-unit walk covers it",
    "bulletin_pdf": "a bulletin to its addressees: the unrelated-unit walk covers it",
    "assessment_xlsx": "the plan's assessment: the unrelated-unit walk covers it",
    "assessment_pdf": "the plan's assessment: the unrelated-unit walk covers it",
}


class CoUnitRecords(OtherUnitsRecords):
    """Beside the fixture: 市发展改革委's report on task 8 signed off and approved with a
    file, 临城县's likewise, and 临城县's draft file on task 4."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.fagai = Unit.objects.get(code="fagai")
        cls.other_county_liaison = make_person(
            "t.neiqiu", User.Role.LIAISON, Unit.objects.get(code="neiqiu")
        )
        task8 = cls.plan.tasks.get(number=8)
        task4 = cls.plan.tasks.get(number=4)

        def attach(unit: Unit, task: Any, *, released: bool) -> ReportFile:
            report = UnitReport.objects.get(round=cls.round, unit=unit)
            entry = report.entries.get(task=task)
            if released:
                entry.status = entry.Status.APPROVED
                entry.save(update_fields=["status"])
            record = ReportFile(
                entry=entry,
                original_name="佐证.pdf",
                content_type="application/pdf",
                size=len(PDF),
                uploaded_by=cls.supervisor,
            )
            record.file.save(f"rounds/{unit.pk}-{task.pk}.pdf", SimpleUploadedFile("x", PDF))
            return record

        cls.fagai_file = attach(cls.fagai, task8, released=True)
        cls.county_file = attach(cls.county, task8, released=True)
        cls.county_draft_file = attach(cls.county, task4, released=False)


class CoUnitDownloadTests(CoUnitRecords):
    def test_every_download_view_is_in_the_co_unit_table(self) -> None:
        downloads = {p.key for p in patterns_with_ids() if DOWNLOAD.search(p.name)}
        listed = {key.split(":")[0] for key in CO_UNIT_DOWNLOADS}
        self.assertEqual(sorted(downloads - listed), [], "download views with no co-unit check")
        self.assertEqual(sorted(listed - downloads), [], "CO_UNIT_DOWNLOADS names gone patterns")

    def test_another_unit_on_the_same_task_gets_404_on_every_download(self) -> None:
        patterns = {p.key: p for p in patterns_with_ids()}
        denied = AuditEvent.objects.filter(action="access.denied")
        checked = 0
        for key, case in CO_UNIT_DOWNLOADS.items():
            if isinstance(case, str):
                continue
            pattern = patterns[key.split(":")[0]]
            visitor = case.visitor(self)
            path = pattern.path(case.kwargs(self))
            with self.subTest(download=key, visitor=visitor.username, path=path):
                self.client.force_login(visitor)
                before = denied.filter(username=visitor.username).count()
                response = self.client.get(path, case.query(self))
                self.assertEqual(response.status_code, 404, f"GET {path}: not 404")
                self.assertEqual(denied.filter(username=visitor.username).count(), before + 1)
                checked += 1
        self.assertEqual(checked, 4)

    def test_the_files_own_unit_the_lead_unit_and_the_city_read_a_signed_part(self) -> None:
        path = reverse("report_file_download", args=[self.fagai_file.pk])
        fagai = make_person("t.fagai", User.Role.LIAISON, self.fagai)
        for person in (fagai, self.lead_liaison, self.supervisor, self.reader):
            with self.subTest(person=person.username):
                self.client.force_login(person)
                self.assertEqual(self.client.get(path).status_code, 200)
        # A draft is its unit's alone, the city's readers included.
        path = reverse("report_file_download", args=[self.county_draft_file.pk])
        for person, status in ((self.county_liaison, 200), (self.supervisor, 404)):
            with self.subTest(person=person.username, draft=True):
                self.client.force_login(person)
                self.assertEqual(self.client.get(path).status_code, status)
