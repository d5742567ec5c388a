"""A unit group (各县(市、区)政府) never owns an indicator (issue 17, finding 6).

Until now a group could be an indicator's owner, and then every member county
wrote the same one value, the last writer winning. Existing group-owned
indicators are moved to what keeps the data truthful:

- a task's indicator (the task led by the group): each member reports its own
  share, the city value being their sum (TaskTarget.by_member, as the rounds
  already ask members for such targets); the indicator has no single owner;
- a plan indicator (the targets section): no owner, until the working group
  names the one unit that reports it. Its values already reported stay as they
  were (the round, the person who wrote each and the group are kept), but no
  county can overwrite them any more.
"""

from django.db import migrations


def ungroup_owners(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    IndicatorTarget = apps.get_model("indicators", "IndicatorTarget")
    TaskTarget = apps.get_model("plans", "TaskTarget")
    grouped = Indicator.objects.filter(owner__kind="group")
    task_indicators = list(grouped.filter(task__isnull=False).values_list("pk", flat=True))
    TaskTarget.objects.filter(
        pk__in=IndicatorTarget.objects.filter(
            indicator__in=task_indicators, task_target__isnull=False
        ).values("task_target_id")
    ).update(by_member=True)
    grouped.update(owner=None)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("departments", "0001_initial"),
        ("plans", "0002_tasktarget_by_member"),
    ]

    operations = [
        # Not reversible to the old (unsafe) owners: going back leaves them unowned.
        migrations.RunPython(ungroup_owners, migrations.RunPython.noop),
    ]
