"""What a bulletin says, drawn from one round of a plan: plain JSON-serialisable data.

`gather` composes the sections of bulletins.sections; it reads in a fixed number of
queries whatever the plan's size. The result is what a draft previews and what an
issued bulletin freezes as its snapshot.
"""

import datetime
from typing import Any

from django.utils import translation

from bulletins.sections import (
    category_section,
    indicator_section,
    interview_section,
    named_section,
    overall_section,
    round_facts,
    unit_section,
    warning_section,
)
from plans.models import Plan
from rounds.models import Round


def gather(
    plan: Plan, round: Round, today: datetime.date, picks: list[dict] | None = None
) -> dict[str, Any]:
    """The sections of a bulletin on `round` as of `today`, with the good-practice
    picks the supervisor chose ([{"entry", "unit", "task", "text"}])."""
    with translation.override("zh-hans"):
        facts = round_facts(plan, round, today)
        categories = category_section(facts)
        units = unit_section(facts)
        return {
            "plan": {"title": plan.title, "doc_number": plan.doc_number},
            "round": {
                "period": round.period,
                "opens_on": round.opens_on.isoformat(),
                "deadline": round.deadline.isoformat(),
            },
            "as_of": today.isoformat(),
            "overall": overall_section(facts, categories, units),
            "categories": categories,
            "units": units,
            **warning_section(facts, units),
            "named": named_section(facts),
            "indicators": indicator_section(facts),
            **interview_section(facts),
            "picks": list(picks or []),
        }


def json_ready(data: Any) -> Any:
    """`data` with dict keys as strings (JSONField round trip gives the same back)."""
    if isinstance(data, dict):
        return {str(key): json_ready(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(value) for value in data]
    return data
