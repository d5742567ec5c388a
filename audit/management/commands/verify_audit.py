from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.chain import KeyConfigError
from audit.verify import AnchorProblem, ChainBreak, TrailReport, verify_trail


def key_label(key_id: str) -> str:
    return key_id or _("none (legacy public digest)")


def break_message(broken: ChainBreak, checked: int) -> str:
    values = {
        "id": broken.event_id,
        "count": checked,
        "key": key_label(broken.key_id),
        "previous": key_label(broken.previous_key_id),
    }
    if broken.reason == "content" and not broken.key_id:
        message = _(
            "Audit row %(id)d does not match its hash: it was changed outside the "
            "application (%(count)d rows before it are intact)."
        )
    elif broken.reason == "content":
        message = _(
            "Audit row %(id)d does not match its digest under key %(key)s: it was changed "
            "outside the application, or the key configured as %(key)s is not the one it "
            "was written with (%(count)d rows before it are intact)."
        )
    elif broken.reason == "unkeyed":
        message = _(
            "Audit row %(id)d carries no key although the rows before it were keyed: it was "
            "rewritten with the public digest outside the application (%(count)d rows "
            "before it are intact)."
        )
    elif broken.reason == "unknown_key":
        message = _(
            "Audit row %(id)d was chained with key %(key)s, which is not configured (give "
            "it in AUDIT_OLD_KEYS): the rows from there on cannot be checked (%(count)d "
            "rows before it are intact)."
        )
    elif broken.reason == "segment":
        message = _(
            "Audit row %(id)d changes from key %(previous)s to key %(key)s without a "
            "rotation row (%(count)d rows before it are intact)."
        )
    else:
        message = _(
            "Audit row %(id)d does not follow the row before it: a row was deleted or "
            "changed just before it (%(count)d rows before it are intact)."
        )
    return message % values


def anchor_message(problem: AnchorProblem, report: TrailReport) -> str:
    values = {
        "id": problem.event_id,
        "at": problem.at,
        "last": problem.last_id,
        "count": problem.count,
        "stream": problem.stream,
        "path": str(report.anchor_path),
        "lines": ", ".join(str(n) for n in problem.lines[:10]),
    }
    if problem.kind == "missing" and problem.last_id == 0:
        message = _(
            "Rows are missing from stream %(stream)d of the audit trail: the anchor of "
            "%(at)s records row %(id)d, but that stream holds no row."
        )
    elif problem.kind == "missing":
        message = _(
            "Rows are missing at the end of stream %(stream)d of the audit trail: the "
            "anchor of %(at)s records row %(id)d, but that stream ends at row %(last)d."
        )
    elif problem.kind == "gone":
        message = _("Audit row %(id)d, anchored at %(at)s, is missing from the trail.")
    elif problem.kind == "changed":
        message = _(
            "Audit row %(id)d differs from its anchor of %(at)s: the trail was rewritten "
            "from there on."
        )
    elif problem.kind == "other_trail":
        message = _(
            "The anchor file holds %(count)d anchors of another audit trail (the last, of "
            "%(at)s, records row %(id)d): this trail was replaced, or the anchor file "
            "belongs to another installation."
        )
    else:
        message = _("Lines %(lines)s of the anchor file %(path)s are not anchors.")
    return message % values


class Command(BaseCommand):
    help = (
        "Check the audit trail's keyed hash chain and its anchors; report the first row "
        "that does not match and any rows missing since the last anchor."
    )

    def handle(self, *args, **options) -> None:
        try:
            report = verify_trail()
        except KeyConfigError as exc:
            raise CommandError(
                _("The audit key settings cannot be read: %(error)s") % {"error": exc}
            ) from exc
        keys = ", ".join(
            _("%(key)s (%(count)d rows)") % {"key": key_label(key), "count": count}
            for key, count in report.keys.items()
        )
        self.stdout.write(_("Keys: %(keys)s") % {"keys": keys or "-"})
        self.stdout.write(_("Streams: %(count)d") % {"count": len(report.streams)})
        if report.last_anchor is not None:
            self.stdout.write(
                _("Last anchor: row %(id)d, key %(key)s, %(at)s (%(path)s)")
                % {
                    "id": report.last_anchor.event_id,
                    "key": key_label(report.last_anchor.key_id),
                    "at": report.last_anchor.at,
                    "path": report.anchor_path,
                }
            )
        else:
            self.stdout.write(
                _("No anchor of this trail in %(path)s yet.") % {"path": report.anchor_path}
            )
        problems = []
        if report.broken is not None:
            problems.append(break_message(report.broken, report.checked))
        if report.legacy_only:
            problems.append(
                _(
                    "The audit trail holds only rows chained without a key (%(count)d rows): "
                    "run manage.py audit_rekey to continue it under the key."
                )
                % {"count": report.checked}
            )
        if report.legacy_unbound:
            problems.append(
                _(
                    "The %(count)d rows chained without a key at the start of the audit "
                    "trail are not yet bound under the key: run manage.py audit_rekey."
                )
                % {"count": report.legacy_unbound}
            )
        problems.extend(anchor_message(problem, report) for problem in report.anchor_problems)
        if problems:
            # One line, so scripts and monitoring read it whole.
            raise CommandError(" ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                _("The audit trail is intact: %(count)d rows checked, %(anchors)d anchors match.")
                % {"count": report.checked, "anchors": report.anchors_checked}
            )
        )
