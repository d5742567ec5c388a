# The trail as several chains side by side (audit.services): each row names its
# stream. Existing rows become stream 0, the one chain they already form; a
# stream-0 row's digest does not cover the stream, so their digests stand. The
# column is added with a constant default (no row is rewritten, so the trigger
# that refuses UPDATE is not involved).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_key_id_digest")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="stream",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["stream", "id"], name="audit_event_stream_id"),
        ),
    ]
