"""Shared data for the ledger tests: the Xingtai plan with four tasks under way and
two open rounds, the lead units' entries filled in."""

import datetime
from typing import Any

from django.test import Client

from plans.models import Task
from rounds.models import Entry, Round, UnitReport
from rounds.opening import round_create
from rounds.services import EntryInput, report_save
from tests.base import PlanTestCase
from workflow.dispatch import task_dispatch

TODAY = datetime.date(2024, 1, 8)
# Task 4: 市工业和信息化局 leads, the counties help. Task 5: 市科技局 leads with
# 市市场监管局, 市工业和信息化局, 市税务局 and the counties. Task 8: 市工业和信息化局 leads
# with 市发展改革委 and the counties. Task 20: 市市场监管局 and the counties.
TASK_NUMBERS = (4, 5, 8, 20)


def report_of(rnd: Round, unit: Any) -> UnitReport:
    return UnitReport.objects.get(round=rnd, unit=unit)


def entry_of(rnd: Round, task: Task) -> Entry:
    return Entry.objects.get(report__round=rnd, task=task, is_lead=True)


def target_values(task: Task, *texts: str) -> dict[int, str]:
    return {t.pk: text for t, text in zip(task.targets.all(), texts, strict=False)}


SENT_AT = datetime.datetime(2024, 1, 3, 9, tzinfo=datetime.UTC)


def send_report(report: UnitReport) -> None:
    """As if the unit's liaison submitted the report and its leader signed it off."""
    report.entries.update(status=Entry.Status.SUBMITTED)
    UnitReport.objects.filter(pk=report.pk).update(state=UnitReport.Status.SENT, sent_at=SENT_AT)


class LedgerTestCase(PlanTestCase):
    """Rounds 2023年12月 (older) and 2024年1月 (newer) of tasks 4, 5, 8 and 20;
    the lead units wrote their entries in the older round and sent them."""

    older: Round
    newer: Round
    # Whether 市工业和信息化局's December report has gone to the working group.
    sent = True

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tasks = [cls.plan.tasks.get(number=n) for n in TASK_NUMBERS]
        task_dispatch(tasks=tasks, by=cls.supervisor, today=TODAY)
        cls.older = round_create(
            plan=cls.plan,
            by=cls.supervisor,
            period="2023年12月",
            opens_on=datetime.date(2023, 12, 20),
            deadline=datetime.date(2024, 1, 10),
            today=TODAY,
        )
        cls.t4, cls.t5, cls.t8, cls.t20 = tasks
        report_save(
            report=report_of(cls.older, cls.gongxin),
            by=cls.lead_liaison,
            data={
                cls.t4.pk: EntryInput(
                    progress="新增工业企业研发机构85家。",
                    schedule="ahead",
                    problems="资金缺口较大。",
                    next_steps="继续推进研发机构建设。",
                    values=target_values(cls.t4, "85", "2"),
                ),
                cls.t8.pk: EntryInput(progress="实施技改项目320项。", schedule="behind"),
            },
        )
        if cls.sent:
            # Its leader signed it off to the working group: the ledger shows it to others.
            send_report(report_of(cls.older, cls.gongxin))
        cls.newer = round_create(
            plan=cls.plan,
            by=cls.supervisor,
            period="2024年1月",
            opens_on=TODAY,
            deadline=datetime.date(2024, 2, 5),
            today=TODAY,
        )

    def login(self, user: Any) -> Client:
        self.client.force_login(user)
        return self.client
