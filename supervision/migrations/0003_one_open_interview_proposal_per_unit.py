# One open interview proposal per unit. Before, the sweep made a new proposal for
# each round a unit stayed red and for each overdue 督办单, so a unit piled up
# undecided proposals with the reason "连续两轮红灯今日到期". Here each proposal
# gets the ladder items behind its reasons (`evidence`), the garbled reason is
# rewritten as a supervisor writes it, and a unit's open proposals are merged
# into its earliest one (the others are closed as dismissed, with a note saying
# where they went), before the database starts refusing a second open one.

import itertools

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone, translation
from django.utils.translation import gettext

from supervision.items import red_twice_reason

PROPOSED, DISMISSED = "proposed", "dismissed"


def _reason(cause, rounds, previous):  # type: ignore[no-untyped-def]
    """The reason of a "red2" proposal, whose stored reason was the garbled one
    (the reasons of overdue 督办单 were right for their day and stay)."""
    kind, _sep, rest = cause.partition(":")
    if kind == "red2" and rest.count(":") == 1 and rest.split(":")[1].isdigit():
        round_id = int(rest.split(":")[1])
        if round_id in rounds and round_id in previous:
            return red_twice_reason(previous[round_id].period, rounds[round_id].period)
    return None


def merge_open_proposals(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Proposal = apps.get_model("supervision", "InterviewProposal")
    Round = apps.get_model("rounds", "Round")
    proposals = list(Proposal.objects.order_by("created_at", "pk"))
    if not proposals:
        return
    rounds = Round.objects.in_bulk()
    by_plan: dict[int, list] = {}
    for rnd in sorted(rounds.values(), key=lambda r: (r.opens_on, r.pk)):
        by_plan.setdefault(rnd.plan_id, []).append(rnd)
    previous = {
        later.pk: earlier
        for series in by_plan.values()
        for earlier, later in itertools.pairwise(series)
    }
    now = timezone.now()
    kept: dict[int, object] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for proposal in proposals:
            proposal.evidence = proposal.evidence or ([proposal.cause] if proposal.cause else [])
            # Only the sweep's own proposals (one reason, from their cause) are reworded.
            reason = _reason(proposal.cause, rounds, previous)
            if reason and len(proposal.reasons) == 1:
                proposal.reasons = [reason]
            fields = ["evidence", "reasons"]
            if proposal.status == PROPOSED:
                into = kept.get(proposal.unit_id)
                if into is None:
                    kept[proposal.unit_id] = proposal
                else:
                    into.evidence += [e for e in proposal.evidence if e not in into.evidence]
                    into.reasons += [r for r in proposal.reasons if r not in into.reasons]
                    into.save(update_fields=fields)
                    proposal.status = DISMISSED
                    proposal.decided_at = now
                    proposal.decision_note = gettext(
                        "Merged into the open interview proposal no. %(number)s."
                    ) % {"number": into.pk}
                    fields += ["status", "decided_at", "decision_note"]
            proposal.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_numberseries_to_documents"),
        ("rounds", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="interviewproposal",
            name="evidence",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(merge_open_proposals, migrations.RunPython.noop),
        # The constraint comes in 0004: PostgreSQL refuses to index a table with
        # the updates above still pending their deferred checks in this transaction.
    ]
