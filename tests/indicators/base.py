"""Indicator records for tests of other modules."""

from typing import Any

from indicators.models import Indicator


def indicator_of_other_units(case: Any) -> Indicator:
    """Task 4's 新增工业企业研发机构, owned by 市工业和信息化局 (the plan's task 4 must be
    dispatched: dispatching makes the plan's indicators)."""
    return Indicator.objects.get(plan=case.plan, task__number=4, name="新增工业企业研发机构")
