import difflib
from collections.abc import Iterable

from departments.models import RoleRequest, Unit, UnitAlias
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

    def suggestions(self, name: str, limit: int = 3) -> list[Unit]:
        """Registry units a name the registry does not know may mean, likeliest first:
        names or aliases containing it or contained in it, then close spellings."""
        key = normalize_unit_name(name)
        if not key:
            return []
        scored: dict[int, tuple[float, Unit]] = {}
        for spelling, unit in self._by_key.items():
            ratio = difflib.SequenceMatcher(None, key, spelling).ratio()
            if len(spelling) >= 3 and (key in spelling or spelling in key):
                ratio += 1  # containment beats any mere likeness
            elif ratio < 0.6:
                continue
            if ratio > scored.get(unit.pk, (-1.0, unit))[0]:
                scored[unit.pk] = (ratio, unit)
        ranked = sorted(scored.values(), key=lambda pair: (-pair[0], pair[1].name))
        return [unit for _ratio, unit in ranked[:limit]]

    def names(self) -> list[str]:
        """Every registry unit's name, for a list to choose from."""
        return sorted({unit.name for unit in self._by_key.values()})


def unit_resolver() -> UnitResolver:
    """Two queries, whatever the size of the registry."""
    return UnitResolver(
        Unit.objects.filter(is_active=True), UnitAlias.objects.filter(unit__is_active=True)
    )


def units_for_filter() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.GROUP))


def role_requests_pending() -> list[RoleRequest]:
    """Privileged roles an administrator asked for, oldest first: the auditor's to decide."""
    return list(
        RoleRequest.objects.filter(status=RoleRequest.Status.PENDING)
        .select_related("person__unit", "unit", "requested_by")
        .order_by("requested_at", "pk")
    )


def role_requests_decided(limit: int = 20) -> list[RoleRequest]:
    """The latest decisions, newest first (the trail holds them all)."""
    return list(
        RoleRequest.objects.exclude(status=RoleRequest.Status.PENDING)
        .select_related("person", "unit", "requested_by", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def role_requests_pending_count() -> int:
    return RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).count()
