from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from notices import sealing
from notices.models import UnitWebhook


class Command(BaseCommand):
    help = (
        "Seal every group robot's address and signing secret again with the first key of "
        "NOTICE_ROBOT_KEYS (key rotation: put the new key first, keep the old one after "
        "it, run this, then drop the old key)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        resealed = 0
        with transaction.atomic():
            for robot in UnitWebhook.objects.select_for_update().order_by("pk"):
                try:
                    tokens = {
                        name: sealing.reseal(value.token)
                        for name in ("url", "secret")
                        if isinstance(value := getattr(robot, name), sealing.Sealed)
                    }
                except sealing.SealError as exc:
                    raise CommandError(f"Robot {robot.pk} ({robot.unit_id}): {exc}.") from exc
                UnitWebhook.objects.filter(pk=robot.pk).update(
                    **{name: sealing.Sealed(token) for name, token in tokens.items()}
                )
                resealed += 1
            audit_record(
                action="unitwebhook.reseal", by=None, obj=None, summary={"robots": resealed}
            )
        self.stdout.write(f"resealed={resealed}")
