from collections.abc import Iterable

from departments.models import Unit, UnitAlias
from departments.names import normalize_unit_name


class UnitResolver:
    """Maps a unit name as a plan writes it to the registry's unit, through aliases."""

    def __init__(self, units: Iterable[Unit], aliases: Iterable[UnitAlias]) -> None:
        self._by_key: dict[str, Unit] = {}
        units = list(units)
        by_pk = {unit.pk: unit for unit in units}
        for unit in units:
            for spelling in (unit.full_name, unit.name):
                if spelling:
                    self._by_key[normalize_unit_name(spelling)] = unit
        for alias in aliases:
            self._by_key.setdefault(alias.alias, by_pk[alias.unit_id])

    def resolve(self, name: str) -> Unit | None:
        return self._by_key.get(normalize_unit_name(name))


def unit_resolver() -> UnitResolver:
    """Two queries, whatever the size of the registry."""
    return UnitResolver(
        Unit.objects.filter(is_active=True), UnitAlias.objects.filter(unit__is_active=True)
    )


def units_for_filter() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.GROUP))
