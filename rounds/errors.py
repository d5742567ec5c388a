class RoundError(Exception):
    """A refused action on a round or a report, with a message for the person.

    `task_id` and `field` name the form field at fault, when there is one, so
    the form can mark it and take the person there."""

    def __init__(self, message: str, *, task_id: int | None = None, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.task_id = task_id
        self.field = field
