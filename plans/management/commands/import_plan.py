import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plans.importer.corrections import CorrectionsError, ImportCorrections
from plans.importer.service import PlanImportError, plan_import


class Command(BaseCommand):
    help = (
        "Import an action plan from its published file: text (UTF-8 or GB18030), a web page "
        "saved as .html, .docx, a PDF with a text layer, or .doc/.wps (with LibreOffice)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the plan's file")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and check only; write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the parsed plan as JSON")
        parser.add_argument(
            "--create-units",
            action="store_true",
            help="create units the registry does not know instead of stopping",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a plan already imported under the same document number "
            "(refused once work has started on it)",
        )
        parser.add_argument(
            "--corrections",
            metavar="FILE.json",
            help="corrections to apply before importing, as the import page makes them "
            "(doc_number, names, create, tasks by position with lead, co_units, deadline)",
        )
        parser.add_argument(
            "--doc-number", default="", help="the plan's document number when its text has none"
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(_("No such file: %(path)s") % {"path": path}) from exc
        except IsADirectoryError as exc:
            raise CommandError(_("%(path)s is a folder, not a file.") % {"path": path}) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        corrections = self._corrections(options)
        try:
            result = plan_import(
                data=data,
                source_name=path.name,
                by=None,
                create_units=options["create_units"],
                replace=options["replace"],
                dry_run=options["dry_run"],
                corrections=corrections,
            )
        except PlanImportError as exc:
            raise CommandError(exc.message) from exc

        if options["json"]:
            self.stdout.write(
                json.dumps(result.parsed.to_json_dict(), ensure_ascii=False, indent=2)
            )
            if result.dry_run:
                return
        parsed = result.parsed
        counts = {
            "title": parsed.title,
            "doc_number": parsed.doc_number,
            "categories": len(parsed.categories),
            "tasks": len(parsed.tasks),
        }
        # Status lines go to stderr when stdout carries the JSON.
        out = self.stderr if options["json"] else self.stdout
        if result.dry_run:
            out.write(
                _(
                    "Checked «%(title)s» (%(doc_number)s): %(categories)d categories, "
                    "%(tasks)d tasks. Nothing was written (dry run)."
                )
                % counts
            )
        elif result.existed:
            out.write(
                _(
                    "Plan %(doc_number)s is already imported; nothing was changed. "
                    "Use --replace to replace it."
                )
                % counts
            )
        else:
            message = (
                _(
                    "Replaced «%(title)s» (%(doc_number)s): %(categories)d categories, "
                    "%(tasks)d tasks."
                )
                if result.replaced
                else _(
                    "Imported «%(title)s» (%(doc_number)s): %(categories)d categories, "
                    "%(tasks)d tasks."
                )
            )
            out.write(self.style.SUCCESS(message % counts))
        if result.new_units:
            out.write(_("New units: %(units)s") % {"units": "、".join(result.new_units)})
        vague = [task for task in parsed.tasks if task.vague]
        if vague:
            out.write(
                ngettext(
                    "%(count)d task names responsibility vaguely (such as 各有关单位): "
                    "to be assigned on the task (task %(numbers)s).",
                    "%(count)d tasks name responsibility vaguely (such as 各有关单位): "
                    "to be assigned on the task (tasks %(numbers)s).",
                    len(vague),
                )
                % {
                    "count": len(vague),
                    "numbers": ", ".join(str(task.number) for task in vague),
                }
            )

    def _corrections(self, options: dict) -> ImportCorrections:
        corrections = ImportCorrections()
        if options["corrections"]:
            path = Path(options["corrections"])
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                corrections = ImportCorrections.from_json(data)
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
                ) from exc
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(_("%(path)s is not valid JSON.") % {"path": path}) from exc
            except CorrectionsError as exc:
                raise CommandError(exc.message) from exc
        if options["doc_number"]:
            corrections.doc_number = options["doc_number"].strip()
        return corrections
