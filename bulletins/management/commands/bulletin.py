"""Render a bulletin from the command line.

    python manage.py bulletin --plan DOC_NUMBER --round LABEL --out FILE.pdf [--draft]

With --draft: the round's data as of today, unnumbered (the draft's texts when a
draft exists, the usual wording otherwise). Without: the frozen PDF of the round's
latest issued bulletin.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bulletins.content import gather
from bulletins.models import DEFAULT_TITLE, Bulletin
from bulletins.render import document_fields, fields_of, render_pdf
from bulletins.services import DEFAULT_CLOSING, DEFAULT_OPENING
from documents.pdf import DEFAULT_ADDRESSEES, DEFAULT_CC
from plans.models import Plan
from rounds.models import Round


class Command(BaseCommand):
    help = "Render a bulletin (通报) of a plan's round to a PDF file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--plan", required=True, help="the plan's document number")
        parser.add_argument("--round", required=True, help="the round's period label")
        parser.add_argument("--out", required=True, help="the PDF file to write")
        parser.add_argument("--draft", action="store_true", help="render today's data, unissued")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.filter(doc_number=options["plan"]).first()
        if plan is None:
            raise CommandError(f"No plan with the document number {options['plan']!r}.")
        rnd = Round.objects.filter(plan=plan, period=options["round"]).first()
        if rnd is None:
            raise CommandError(f"The plan has no round {options['round']!r}.")
        out = Path(options["out"])
        bulletins = Bulletin.objects.filter(plan=plan, round=rnd)
        if options["draft"]:
            draft = bulletins.filter(status=Bulletin.Status.DRAFT).order_by("-id").first()
            if draft is not None:
                picks, fields = draft.picks, fields_of(draft)
            else:
                picks = []
                fields = document_fields(
                    issuer=settings.WORKING_GROUP_NAME,
                    number_text="",
                    title=DEFAULT_TITLE,
                    addressees=DEFAULT_ADDRESSEES,
                    opening=DEFAULT_OPENING.format(period=rnd.period),
                    closing=DEFAULT_CLOSING,
                    copy_to=DEFAULT_CC,
                    issued_on=None,
                )
            data = gather(plan, rnd, timezone.localdate(), picks=picks)
            out.write_bytes(render_pdf(data, fields))
        else:
            issued = bulletins.filter(status=Bulletin.Status.ISSUED).order_by("-issued_at").first()
            if issued is None:
                raise CommandError("The round has no issued bulletin; use --draft for a preview.")
            with issued.pdf.open("rb") as handle:
                out.write_bytes(handle.read())
        self.stdout.write(f"{out} ({out.stat().st_size} bytes)")
