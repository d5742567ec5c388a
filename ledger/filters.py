"""The ledger's filters as the URL writes them: ?round=&category=&unit=&status=&light=&reported=

`LedgerFilterSet` reads and checks the parameters and offers the choices the page
lists; the entries themselves are filtered by `ledger.rows.ledger_entries`, which the
page and the export share. A value that matches nothing is ignored (a hand-edited URL
filters by nothing rather than failing), except a round the person may not see, which
answers 404 like the round itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy

from departments.access import get_visible_or_404
from departments.models import Unit
from ledger.rows import LedgerFilters, light_choices, reported_choices, status_choices
from plans.models import Category, Plan
from plans.selectors import units_in_plan
from rounds.models import Entry, Round
from rounds.selectors import rounds_visible_to


class IdField(forms.IntegerField):
    """An id as `common.http.int_param` reads one: digits only, anything else is no id."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, str) and value.isdigit():
            try:
                return int(value)
            except ValueError:  # digits int() does not read, such as "²"
                pass
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class ObjectChoiceField(IdField):
    """One of `objects` (already loaded: checking a value costs no query), named by its id."""

    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(self, *, objects: Sequence[Model] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.objects = {obj.pk: obj for obj in objects}

    def to_python(self, value: Any) -> Model | None:  # type: ignore[override]
        pk = super().to_python(value)
        if pk is None:
            return None
        if pk not in self.objects:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return self.objects[pk]


class IdFilter(django_filters.Filter):
    field_class = IdField


class ObjectChoiceFilter(django_filters.Filter):
    field_class = ObjectChoiceField


@dataclass
class FilterChoices:
    """What the page offers in each filter's list."""

    rounds: list[Round]
    categories: list[Category]
    units: list[Unit]
    statuses: list[tuple[str, str]]
    lights: list[tuple[str, str]]
    reported: list[tuple[str, str]]


class LedgerFilterSet(django_filters.FilterSet):
    # Any id: one the person may not see answers 404 (`ledger_filters`).
    round = IdFilter(label=gettext_lazy("Round"))
    category = ObjectChoiceFilter(label=gettext_lazy("Category"))
    unit = ObjectChoiceFilter(label=gettext_lazy("Unit"))
    # An entry's review status or its progress against schedule.
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"))
    light = django_filters.ChoiceFilter(label=gettext_lazy("Light"))
    reported = django_filters.ChoiceFilter(label=gettext_lazy("Sent"))

    class Meta:
        model = Entry
        fields: ClassVar[list[str]] = []

    def __init__(self, data: QueryDict, *, request: HttpRequest, plan: Plan) -> None:
        super().__init__(data, request=request)
        user = request.user
        self.plan = plan
        self.visible_rounds = rounds_visible_to(user).filter(plan=plan, status=Round.Status.OPEN)
        self.choices = FilterChoices(
            rounds=list(self.visible_rounds.order_by("-opens_on", "-id")),
            categories=list(plan.categories.all()),
            # Only people who see the whole city choose a unit; a liaison's ledger is their unit's.
            units=list(units_in_plan(plan)) if user.sees_whole_city else [],
            statuses=status_choices(),
            lights=light_choices(),
            reported=reported_choices(),
        )
        self.filters["category"].extra["objects"] = self.choices.categories
        self.filters["unit"].extra["objects"] = self.choices.units
        self.filters["status"].extra["choices"] = self.choices.statuses
        self.filters["light"].extra["choices"] = self.choices.lights
        self.filters["reported"].extra["choices"] = self.choices.reported

    def ledger_filters(self) -> LedgerFilters:
        """The filters the parameters ask for, each invalid one left out."""
        self.is_valid()
        data = self.form.cleaned_data
        return LedgerFilters(
            round=self._round(data.get("round")),
            category=data.get("category"),
            unit=data.get("unit"),
            status=data.get("status") or "",
            light=data.get("light") or "",
            reported=data.get("reported") or "",
        )

    def _round(self, pk: int | None) -> Round | None:
        if pk is None:
            return None
        listed = next((r for r in self.choices.rounds if r.pk == pk), None)
        if listed is not None:
            return listed
        return get_visible_or_404(
            self.request, Round.objects.filter(plan=self.plan), self.visible_rounds, pk=pk
        )
