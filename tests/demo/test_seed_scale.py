"""seed_scale: the same seed makes the same plan, with the rows it says it made."""

import io

import pytest
from django.core.management import call_command

from plans.models import Plan
from rounds.models import Entry, ReportFile, Round, TargetValue, UnitReport


@pytest.mark.django_db
def test_a_seed_makes_the_same_rows_every_time() -> None:
    out = io.StringIO()
    call_command("seed_scale", "--tasks", "40", "--units", "12", "--rounds", "4", stdout=out)

    plan = Plan.objects.get()
    assert plan.tasks.count() == 40
    rounds = Round.objects.filter(plan=plan).order_by("opens_on")
    assert rounds.count() == 4
    entries = Entry.objects.filter(report__round__plan=plan)
    # Pinned for the default seed: a change in the order the generator is drawn
    # from changes these.
    assert UnitReport.objects.filter(round__plan=plan).count() == 48
    assert entries.count() == 416
    assert entries.filter(is_lead=True).count() == 160
    assert TargetValue.objects.filter(entry__report__round__plan=plan).count() == 120
    assert ReportFile.objects.filter(entry__report__round__plan=plan).count() == 46
    # The older rounds are finished; the newest waits in the liaisons' inboxes.
    newest = rounds.last()
    assert not entries.filter(report__round=newest, status=Entry.Status.APPROVED).exists()
    assert not entries.exclude(report__round=newest).exclude(status=Entry.Status.APPROVED).exists()
    assert "416" in out.getvalue()
