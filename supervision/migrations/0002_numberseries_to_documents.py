# The number series now belongs to documents (documents/0001 takes it over);
# the table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="NumberSeries")],
            database_operations=[],
        ),
    ]
