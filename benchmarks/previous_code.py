"""The code of an older commit, for the benchmarks' `--previous REF` runs
(sweep_bench, audit_bench, rush_bench): exported with `git archive` into a
directory, so the working tree is never touched."""

import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def export_commit(ref: str, into: str) -> str:
    """The code of commit `ref`, exported into the directory `into`."""
    archive = subprocess.run(
        ["git", "-C", str(BASE_DIR), "archive", "--format=tar", ref],
        check=True,
        capture_output=True,
    )
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into
