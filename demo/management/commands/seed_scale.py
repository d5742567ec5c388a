"""Generate a plan at scale, for measuring pages and exports (benchmarks/ledger_bench.py)."""

import datetime
import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from dashboard.summaries import refresh_round_summaries
from departments.models import Unit, User
from departments.services import person_upsert
from plans.models import Category, Measure, Plan, Task, TaskTarget, TaskUnit, cn_numeral
from rounds.flows import ReportFlow
from rounds.models import Entry, ReportFile, Round, TargetValue, UnitReport
from workflow.dispatch import task_dispatch

BATCH = 2_000
CATEGORY_TITLES = [
    "强化标准引领",
    "夯实产业质量基础",
    "提升产品质量",
    "提升工程质量",
    "提升服务质量",
    "培育质量品牌",
    "完善质量基础设施",
    "优化质量发展环境",
]
TASK_TOPICS = [
    "推进企业技术改造",
    "加强质量基础设施建设",
    "培育专精特新企业",
    "提升检验检测能力",
    "推进标准化试点示范",
    "强化知识产权保护",
    "推动品牌建设",
    "加强质量安全监管",
    "优化公共服务供给",
    "推进绿色低碳发展",
]
INDICATORS = [
    ("新增工业企业研发机构", "家", Decimal(80)),
    ("实施技改项目", "项", Decimal(500)),
    ("消费投诉按期办结率", "%", Decimal(95)),
    ("有效认证证书数量", "张", Decimal(10000)),
    ("帮扶企业", "家", Decimal(200)),
    ("省级计量标准拥有量", "项", Decimal(122)),
]
PROGRESS = [
    "本期召开专题推进会{n}次，印发工作方案，明确责任分工和时间节点。",
    "完成阶段性目标任务，累计开展专项检查{n}次，发现问题已全部整改。",
    "组织企业培训{n}场，覆盖企业{n}0余家，工作按计划推进。",
    "会同相关单位开展联合调研{n}次，形成调研报告并报市政府。",
]
PROBLEMS = ["", "", "部分县（市、区）工作进度不均衡。", "资金保障不足，项目推进较慢。"]
NEXT_STEPS = [
    "下一步将继续加大推进力度，确保按期完成年度目标。",
    "加强督导检查，及时协调解决工作中遇到的问题。",
    "总结推广典型经验，推动工作提质增效。",
]


def _insert_children(model: type, objs: Sequence[Any]) -> None:
    """Insert the child rows of a multi-table model whose parent rows exist already.

    Django's bulk_create refuses multi-table models; the parent (viewflow's
    Process) is bulk-created first, then this writes the child's own columns.
    """
    fields = list(model._meta.local_concrete_fields)
    per_batch = max(1, min(BATCH, 30_000 // len(fields)))
    for start in range(0, len(objs), per_batch):
        model._base_manager._insert(objs[start : start + per_batch], fields=fields, raw=True)


class Command(BaseCommand):
    help = (
        "Generate a plan with --tasks tasks shared among --units generated units (each with a "
        "liaison, scale.<code>), dispatch its tasks, and --rounds monthly rounds with every "
        "responsible unit's entries filled in: tasks x rounds ledger rows. For benchmarks and "
        "load tests only, never on a production database. To be fast the older rounds bypass "
        "viewflow: their unit reports are bulk-created as finished processes of ReportFlow "
        "(viewflow's Process row with flow_class set, then the UnitReport row) with no step "
        "history; only the newest round's reports are started through the flow and wait in "
        "the liaisons' inboxes. Evidence rows name files that are not stored. Nothing of it "
        "is written to the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, required=True)
        parser.add_argument("--units", type=int, required=True)
        parser.add_argument("--rounds", type=int, required=True)
        parser.add_argument("--plan-doc", default="", metavar="DOC_NUMBER")
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args: Any, **options: Any) -> None:
        tasks, units, rounds = options["tasks"], options["units"], options["rounds"]
        if tasks < 1 or units < 1 or rounds < 1:
            raise CommandError(_("--tasks, --units and --rounds must be at least 1."))
        doc = options["plan_doc"].strip() or f"规模测试〔{tasks}×{rounds}〕{units}号"
        if Plan.objects.filter(doc_number=doc).exists():
            raise CommandError(
                _("A plan with the document number %(doc_number)s exists already.")
                % {"doc_number": doc}
            )
        started = time.perf_counter()
        made = Seeder(random.Random(options["seed"])).run(
            doc=doc, task_count=tasks, unit_count=units, round_count=rounds
        )
        # Planner statistics as a database in use would have them after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        made["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(
            _(
                "Plan %(doc)s (id %(plan)d): %(tasks)d tasks, %(units)d units, %(rounds)d "
                "rounds, %(reports)d unit reports, %(entries)d entries, %(rows)d ledger rows, "
                "%(values)d values, %(files)d evidence rows, in %(seconds)s s."
            )
            % made
        )


class Seeder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.today = timezone.localdate()
        self.uploader_id = 0

    def run(self, *, doc: str, task_count: int, unit_count: int, round_count: int) -> dict:
        units = self.units(unit_count)
        with transaction.atomic():
            plan = Plan.objects.create(
                title=f"规模测试行动方案（{task_count}项任务）",
                doc_number=doc,
                issuer="规模测试",
                issued_on=self.today.replace(month=1, day=1),
                status=Plan.Status.IMPORTED,
                source_text="seed_scale",
            )
            tasks, links = self.tasks(plan, units, task_count)
        # Dispatched through the service, in batches so each transaction stays short.
        for start in range(0, len(tasks), 200):
            task_dispatch(tasks=tasks[start : start + 200], by=None, today=self.today)
        counts = {"reports": 0, "entries": 0, "rows": 0, "values": 0, "files": 0}
        periods = self.periods(round_count)
        for index, (label, opens_on, deadline) in enumerate(periods):
            newest = index == len(periods) - 1
            with transaction.atomic():
                made = self.round(plan, tasks, links, label, opens_on, deadline, newest=newest)
            for key, value in made.items():
                counts[key] += value
        refresh_round_summaries(round_ids=plan.rounds.values_list("pk", flat=True))
        return {
            "doc": doc,
            "plan": plan.pk,
            "tasks": len(tasks),
            "units": len(units),
            "rounds": len(periods),
            **counts,
        }

    def units(self, count: int) -> list[Unit]:
        codes = [f"scale-{n:04d}" for n in range(1, count + 1)]
        existing = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        Unit.objects.bulk_create(
            Unit(
                code=code,
                name=f"规模测试单位{code[-4:]}",
                kind=Unit.Kind.MUNICIPAL,
                sort_order=100_000 + n,
            )
            for n, code in enumerate(codes, start=1)
            if code not in existing
        )
        units = list(Unit.objects.filter(code__in=codes).order_by("sort_order"))
        password = make_password(None)  # unusable: benchmarks log in with force_login
        for unit in units:
            if unit.code not in existing:
                person_upsert(
                    username=f"scale.{unit.code}",
                    role=User.Role.LIAISON,
                    unit=unit,
                    display_name=f"{unit.name}联络员",
                    password_hash=password,
                    by=None,
                    must_change_password=False,
                )
        supervisor, _created = person_upsert(
            username="scale.supervisor",
            role=User.Role.SUPERVISOR,
            unit=units[0],
            display_name="规模测试专班",
            password_hash=password,
            by=None,
            must_change_password=False,
        )
        self.uploader_id = supervisor.pk
        return units

    def tasks(
        self, plan: Plan, units: list[Unit], count: int
    ) -> tuple[list[Task], dict[int, list[tuple[int, bool]]]]:
        rng = self.rng
        category_count = min(len(CATEGORY_TITLES), count)
        categories = Category.objects.bulk_create(
            Category(
                plan=plan,
                order=n,
                number=n,
                label=f"（{cn_numeral(n)}）",
                title=CATEGORY_TITLES[n - 1],
            )
            for n in range(1, category_count + 1)
        )
        per_category = -(-count // category_count)
        tasks = Task.objects.bulk_create(
            [
                Task(
                    plan=plan,
                    category=categories[(order - 1) // per_category],
                    order=order,
                    number=order,
                    title=f"{rng.choice(TASK_TOPICS)}（{order}）",
                    lead_unit=rng.choice(units),
                )
                for order in range(1, count + 1)
            ],
            batch_size=BATCH,
        )
        task_units, measures, links = [], [], {}
        for task in tasks:
            others = [u for u in rng.sample(units, min(len(units), 4)) if u != task.lead_unit]
            co = others[: rng.randint(0, min(3, len(others)))]
            task_units.append(TaskUnit(task=task, unit=task.lead_unit, role="lead", order=0))
            task_units += [
                TaskUnit(task=task, unit=u, role="co", order=n) for n, u in enumerate(co, 1)
            ]
            links[task.pk] = [(task.lead_unit_id, True)] + [(u.pk, False) for u in co]
            for n in range(1, rng.randint(1, 2) + 1):
                text = f"{task.title}：{rng.choice(PROGRESS).format(n=n)}{rng.choice(NEXT_STEPS)}"
                measures.append(Measure(task=task, order=n, text=text))
        TaskUnit.objects.bulk_create(task_units, batch_size=BATCH)
        measures = Measure.objects.bulk_create(measures, batch_size=BATCH)
        first_measure = {}
        for measure in measures:
            first_measure.setdefault(measure.task_id, measure)
        targets = []
        for task in tasks:
            for n, (indicator, unit, value) in enumerate(
                rng.sample(INDICATORS, rng.randint(0, 2)), start=1
            ):
                year = rng.choice([None, 2025, 2027])
                targets.append(
                    TaskTarget(
                        task=task,
                        measure=first_measure[task.pk],
                        order=n,
                        text=f"{indicator}{value}{unit}",
                        indicator=indicator,
                        year=year,
                        every_year=year is None,
                        comparator=">=",
                        value=value,
                        unit_of_measure=unit,
                    )
                )
        TaskTarget.objects.bulk_create(targets, batch_size=BATCH)
        return tasks, links

    def periods(self, count: int) -> list[tuple[str, datetime.date, datetime.date]]:
        """`count` monthly periods ending with the current month, oldest first."""
        year, month = self.today.year, self.today.month
        found = []
        for _n in range(count):
            opens_on = datetime.date(year, month, 20)
            deadline = (opens_on + datetime.timedelta(days=16)).replace(day=5)
            found.append((f"{year}年{month}月", opens_on, deadline))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return found[::-1]

    def round(
        self,
        plan: Plan,
        tasks: list[Task],
        links: dict[int, list[tuple[int, bool]]],
        label: str,
        opens_on: datetime.date,
        deadline: datetime.date,
        *,
        newest: bool,
    ) -> dict[str, int]:
        rnd = Round.objects.create(
            plan=plan,
            period=label,
            cadence=Round.Cadence.MONTHLY,
            opens_on=opens_on,
            deadline=deadline,
            status=Round.Status.OPEN,
            opened_at=timezone.now(),
        )
        Round.tasks.through.objects.bulk_create(
            [Round.tasks.through(round_id=rnd.pk, task_id=t.pk) for t in tasks],
            batch_size=BATCH,
        )
        by_unit: dict[int, list[tuple[int, bool]]] = {}
        for task in tasks:
            for unit_id, is_lead in links[task.pk]:
                by_unit.setdefault(unit_id, []).append((task.pk, is_lead))
        reports = self.reports(rnd, sorted(by_unit), newest=newest)
        entries = self.entries(reports, by_unit, newest=newest)
        values, files = self.values_and_files(plan, entries)
        return {
            "reports": len(reports),
            "entries": len(entries),
            "rows": sum(1 for e in entries if e.is_lead),
            "values": len(values),
            "files": len(files),
        }

    def entries(
        self,
        reports: list[UnitReport],
        by_unit: dict[int, list[tuple[int, bool]]],
        *,
        newest: bool,
    ) -> list[Entry]:
        """Every report's entries: approved in the older rounds, about half of them
        filled in (as drafts) in the newest."""
        rng = self.rng
        entry_status = Entry.Status.DRAFT if newest else Entry.Status.APPROVED
        entries = []
        for report in reports:
            for task_id, is_lead in by_unit[report.unit_id]:
                filled = not newest or rng.random() < 0.5
                entries.append(
                    Entry(
                        report_id=report.pk,
                        task_id=task_id,
                        is_lead=is_lead,
                        progress=rng.choice(PROGRESS).format(n=rng.randint(1, 9)) if filled else "",
                        schedule=rng.choice(["behind", "on", "on", "ahead", "done"])
                        if filled
                        else "",
                        problems=rng.choice(PROBLEMS) if filled else "",
                        next_steps=rng.choice(NEXT_STEPS) if filled else "",
                        status=entry_status,
                        times_returned=1 if not newest and rng.random() < 0.05 else 0,
                    )
                )
        return Entry.objects.bulk_create(entries, batch_size=BATCH)

    def values_and_files(
        self, plan: Plan, entries: list[Entry]
    ) -> tuple[list[TargetValue], list[ReportFile]]:
        """The target values of the lead entries filled in, and evidence for some of them."""
        rng = self.rng
        targets: dict[int, list[TaskTarget]] = {}
        for target in TaskTarget.objects.filter(task__plan=plan).only("id", "task_id", "value"):
            targets.setdefault(target.task_id, []).append(target)
        values, files = [], []
        for entry in entries:
            if not entry.is_lead or not entry.progress:
                continue
            for target in targets.get(entry.task_id, ()):
                share = Decimal(rng.randint(10, 120)) / 100
                values.append(
                    TargetValue(
                        entry=entry, target=target, value=(target.value * share).quantize(1)
                    )
                )
            if rng.random() < 0.3:
                files.append(
                    ReportFile(
                        entry=entry,
                        file=f"scale/{entry.pk}.pdf",
                        original_name=f"佐证材料{entry.pk}.pdf",
                        content_type="application/pdf",
                        size=102_400,
                        uploaded_by_id=self.uploader_id,
                    )
                )
        TargetValue.objects.bulk_create(values, batch_size=BATCH)
        ReportFile.objects.bulk_create(files, batch_size=BATCH)
        return values, files

    def reports(self, rnd: Round, unit_ids: list[int], *, newest: bool) -> list[UnitReport]:
        units = Unit.objects.in_bulk(unit_ids)
        if newest:
            # Through the flow: each report's fill step waits in its unit's inbox.
            return [ReportFlow.start.run(round=rnd, unit=units[pk]) for pk in unit_ids]
        rng = self.rng
        now = timezone.now()
        parents = Process.objects.bulk_create(
            [
                Process(flow_class=ReportFlow, status=PROCESS.DONE, created=now, finished=now)
                for _pk in unit_ids
            ],
            batch_size=BATCH,
        )
        if parents and parents[0].pk is None:
            raise CommandError(
                _("The database (%(vendor)s) does not return the ids of bulk-created rows.")
                % {"vendor": connection.vendor}
            )
        reports = []
        for parent, unit_id in zip(parents, unit_ids, strict=True):
            late = rng.randint(1, 6) if rng.random() < 0.1 else 0
            sent = datetime.datetime.combine(
                rnd.deadline + datetime.timedelta(days=late - 2), datetime.time(10)
            )
            report = UnitReport(
                process_ptr_id=parent.pk,
                round_id=rnd.pk,
                unit_id=unit_id,
                state=UnitReport.Status.APPROVED,
                sent_at=timezone.make_aware(sent),
                late_days=late,
            )
            reports.append(report)
        _insert_children(UnitReport, reports)
        return reports
