# The constraint comes in a migration of its own: PostgreSQL will not build an index
# behind the updates of 0003 in one transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_category_levels_task_deadline"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                fields=("plan", "order"), name="category_order_unique"
            ),
        ),
    ]
