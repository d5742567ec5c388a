"""Reading a request's parameters the same way on every page."""

from django.http import HttpRequest


def int_param(request: HttpRequest, name: str) -> int | None:
    """The query parameter ``name`` as a positive integer id, or None when it
    is missing or not a number (a hand-edited URL filters by nothing rather
    than failing)."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None
