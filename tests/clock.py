"""A frozen clock for tests where time matters (lockouts, sessions, deadlines)."""

from datetime import datetime, timedelta

import time_machine


class FrozenClockMixin:
    """Freeze time at `start` for each test; `at(offset)` moves it."""

    start: datetime

    def setUp(self) -> None:
        super().setUp()
        clock = time_machine.travel(self.start, tick=False)
        self.traveller = clock.start()
        self.addCleanup(clock.stop)

    def at(self, offset: timedelta) -> None:
        self.traveller.move_to(self.start + offset)
