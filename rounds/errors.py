class RoundError(Exception):
    """A refused action on a round or a report, with a message for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
