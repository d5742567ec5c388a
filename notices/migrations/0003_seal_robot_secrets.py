"""Seal the group robots' addresses (their access tokens) and signing secrets at rest.

The plain columns are copied into sealed ones (Fernet, notices.sealing), then
dropped; the reverse opens them again.
"""

from django.db import migrations, models

import notices.sealing
from notices.robots import without_query


def seal_existing(apps, schema_editor):
    UnitWebhook = apps.get_model("notices", "UnitWebhook")
    for robot in UnitWebhook.objects.all():
        # Plain strings assigned to a sealed field are sealed as they are saved.
        robot.sealed_url = robot.url
        robot.sealed_secret = robot.secret
        robot.address = without_query(robot.url)
        robot.save(update_fields=["sealed_url", "sealed_secret", "address"])


def open_existing(apps, schema_editor):
    UnitWebhook = apps.get_model("notices", "UnitWebhook")
    for robot in UnitWebhook.objects.all():
        robot.url = notices.sealing.opened(robot.sealed_url)[:500]
        robot.secret = notices.sealing.opened(robot.sealed_secret)[:200]
        robot.save(update_fields=["url", "secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0002_assessment_notice_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="unitwebhook",
            name="address",
            field=models.CharField(
                blank=True, editable=False, max_length=500, verbose_name="address"
            ),
        ),
        migrations.AddField(
            model_name="unitwebhook",
            name="sealed_url",
            field=notices.sealing.SealedTextField(default="", verbose_name="webhook address"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="unitwebhook",
            name="sealed_secret",
            field=notices.sealing.SealedTextField(
                blank=True, default="", verbose_name="signing secret"
            ),
            preserve_default=False,
        ),
        # Defaults, so that going back can add the plain columns to existing rows.
        migrations.AlterField(
            model_name="unitwebhook",
            name="url",
            field=models.URLField(default="", max_length=500, verbose_name="webhook address"),
        ),
        migrations.AlterField(
            model_name="unitwebhook",
            name="secret",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="signing secret"
            ),
        ),
        migrations.RunPython(seal_existing, open_existing),
        migrations.RemoveField(model_name="unitwebhook", name="url"),
        migrations.RemoveField(model_name="unitwebhook", name="secret"),
        migrations.RenameField(model_name="unitwebhook", old_name="sealed_url", new_name="url"),
        migrations.RenameField(
            model_name="unitwebhook", old_name="sealed_secret", new_name="secret"
        ),
        migrations.AlterField(
            model_name="unitwebhook",
            name="url",
            field=notices.sealing.SealedTextField(
                help_text="The robot's address as the chat application shows it.",
                verbose_name="webhook address",
            ),
        ),
        migrations.AlterField(
            model_name="unitwebhook",
            name="secret",
            field=notices.sealing.SealedTextField(
                blank=True,
                help_text="DingTalk only, when the robot's security setting is signing (加签).",
                verbose_name="signing secret",
            ),
        ),
    ]
