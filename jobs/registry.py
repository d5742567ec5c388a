"""The kinds of job and what runs each: an app declares its own in its `jobs.py`

    @register("ledger.export", label=gettext_lazy("Ledger export"))
    def ledger_export(job: Job, progress: Progress) -> JobResult: ...

so that this app runs them without importing the apps above it (jobs.apps loads
every `jobs.py` at start).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext_lazy

from jobs.models import Job


class JobRefused(Exception):
    """The work cannot be done for a reason the requester should read (the plan is
    gone, the bulletin was issued meanwhile): the job fails with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class JobResult:
    """A file to download (`file`, an open binary stream, read from its start, named
    `filename`), or a page of the site (`url`), or both."""

    file: IO[bytes] | None = None
    filename: str = ""
    content_type: str = ""
    url: str = ""


Progress = Callable[[int, str], None]
Runner = Callable[[Job, Progress], JobResult]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Any  # a lazy translation
    run: Runner


KINDS: dict[str, JobKind] = {}


def register(name: str, *, label: Any) -> Callable[[Runner], Runner]:
    def decorator(run: Runner) -> Runner:
        if name in KINDS and KINDS[name].run is not run:
            raise ValueError(f"Job kind {name!r} is registered twice")
        KINDS[name] = JobKind(name=name, label=label, run=run)
        return run

    return decorator


def kind_label(name: str) -> str:
    kind = KINDS.get(name)
    return str(kind.label) if kind is not None else str(gettext_lazy("Background job"))
