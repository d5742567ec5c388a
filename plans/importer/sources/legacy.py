"""Word 97-2003 (.doc) and WPS (.wps) files: converted to .docx by LibreOffice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext

from plans.importer.parsed import PlanParseError

CONVERSION_TIMEOUT = 60  # seconds


def missing_office_error() -> PlanParseError:
    return PlanParseError(
        gettext(
            "Word 97-2003 (.doc) and WPS (.wps) files need LibreOffice on the server: "
            "save the plan as .docx or PDF and upload it again."
        )
    )


def conversion_error() -> PlanParseError:
    return PlanParseError(
        gettext(
            "The Word 97-2003 or WPS file could not be converted: "
            "save the plan as .docx or PDF and upload it again."
        )
    )


def office_to_docx(data: bytes) -> bytes:
    """The .docx LibreOffice makes of a .doc/.wps file."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        raise missing_office_error()
    with tempfile.TemporaryDirectory(prefix="plan-import-") as folder:
        root = Path(folder)
        # Kingsoft WPS files are Word binary files: LibreOffice reads them as .doc.
        source = root / "plan.doc"
        source.write_bytes(data)
        command = [
            office,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--convert-to",
            "docx",
            "--outdir",
            str(root / "out"),
            str(source),
        ]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            raise conversion_error() from error
        try:
            process.wait(timeout=CONVERSION_TIMEOUT)
        except subprocess.TimeoutExpired as error:
            # soffice starts a child of its own: end the whole process group it leads.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                process.kill()
            process.wait()
            raise conversion_error() from error
        converted = root / "out" / "plan.docx"
        if process.returncode != 0 or not converted.is_file():
            raise conversion_error()
        return converted.read_bytes()
