import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from documents.checks import harfbuzz_subset_available
from documents.pdf import render_official_pdf
from documents.supervision import TEMPLATE_NAME, sample_supervision_notice_context


class Command(BaseCommand):
    help = (
        "Render a sample supervision notice (督办单) to PATH and print how long each "
        "rendering took: the first includes loading the fonts, the others show the "
        "steady cost per document."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="where to write the PDF")
        parser.add_argument("--runs", type=int, default=3, help="renderings to time (default 3)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        context = sample_supervision_notice_context()
        pdf = b""
        for run in range(1, max(options["runs"], 1) + 1):
            started = time.perf_counter()
            pdf = render_official_pdf(template_name=TEMPLATE_NAME, context=context)
            self.stdout.write(
                _("Rendering %(run)d: %(seconds).3f s")
                % {"run": run, "seconds": time.perf_counter() - started}
            )
        path.write_bytes(pdf)
        self.stdout.write(_("Wrote %(path)s (%(size)d bytes).") % {"path": path, "size": len(pdf)})
        if not harfbuzz_subset_available():
            self.stderr.write(
                _(
                    "HarfBuzz subsetting is not available: fonts are subset by fontTools, "
                    "which is much slower (see documents.W001)."
                )
            )
