"""Count the summaries of the rounds there are already (dashboard.summaries)."""

from django.db import migrations

from dashboard.summaries import Sources, rebuild_all


def build(apps, schema_editor):  # type: ignore[no-untyped-def]
    rebuild_all(
        sources=Sources(
            round=apps.get_model("rounds", "Round"),
            entry=apps.get_model("rounds", "Entry"),
            light_record=apps.get_model("supervision", "LightRecord"),
            task_unit=apps.get_model("plans", "TaskUnit"),
            unit=apps.get_model("departments", "Unit"),
            summary=apps.get_model("dashboard", "RoundSummary"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_round_summary"),
        ("supervision", "0004_proposal_one_open_per_unit_constraint"),
    ]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
