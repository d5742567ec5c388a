"""The one error an import is refused with."""


class PlanImportError(Exception):
    """An import refused with a one-line message for the person who ran it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
