# The constraint that 0003 prepares the rows for, in a transaction of its own
# (PostgreSQL will not build an index while 0003's updates await their checks).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_one_open_interview_proposal_per_unit"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="interviewproposal",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "proposed")),
                fields=("unit",),
                name="proposal_one_open_per_unit",
            ),
        ),
    ]
