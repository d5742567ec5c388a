# The keyed chain: each row records the key id and the hash function it was
# chained with. Existing rows keep empty values: the legacy segment, chained with
# the public SHA-256, which the first keyed row then binds (audit.chain).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_refuse_update_delete")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="digest",
            field=models.CharField(blank=True, default="", max_length=10),
        ),
    ]
