"""Rows written before the plan app was renamed (ledger -> plans) keep their
label forever; the auditor's search for the new label still finds them."""

import re
from types import SimpleNamespace

from django.test import TestCase
from django.urls import reverse

from audit.selectors import object_type_labels
from audit.services import audit_record
from departments.models import Unit, User
from departments.services import registry_sync
from plans.models import Plan
from tests.base import make_person


class FormerTask:
    """A task as the trail saw it before the rename."""

    _meta = SimpleNamespace(label="ledger.Task")
    pk = 7

    def __str__(self) -> str:
        return "7. 加快质量技术创新"


class RenamedAppSearchTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        shenji = Unit.objects.get(code="shenji")
        cls.auditor = make_person("r.auditor", User.Role.AUDITOR, shenji)
        cls.old = audit_record(action="task.dispatch", by=None, obj=FormerTask())
        plan = Plan.objects.create(
            title="质量强市行动方案", doc_number="邢政办字〔2023〕25号", issuer="邢台市人民政府"
        )
        cls.new = audit_record(action="plan.import", by=None, obj=plan)

    def shown(self, text: str) -> set[int]:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"), {"object": text})
        self.assertEqual(response.status_code, 200)
        return {int(pk) for pk in re.findall(r'data-event="(\d+)"', response.content.decode())}

    def test_a_search_by_the_new_label_finds_rows_written_under_the_old_one(self) -> None:
        self.assertEqual(self.shown("plans.Task"), {self.old.pk})
        self.assertEqual(self.shown("plans."), {self.old.pk, self.new.pk})

    def test_the_old_label_still_finds_only_the_old_rows(self) -> None:
        self.assertEqual(self.shown("ledger.Task"), {self.old.pk})

    def test_other_labels_are_searched_as_typed(self) -> None:
        self.assertEqual(object_type_labels("departments.unit"), ["departments.unit"])
        self.assertEqual(object_type_labels("Plans.Plan"), ["Plans.Plan", "ledger.Plan"])
