import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("documents")


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Official documents")

    def ready(self) -> None:
        # Importing checks registers the system checks.
        from documents import checks

        # Also in the log of every process, since servers and workers do not
        # print system checks: a missing library slows every PDF silently.
        for message in checks.pdf_environment_warnings():
            logger.warning("%s (%s) %s", message.msg, message.id, message.hint)

        from django.core.signals import request_started

        from documents.warmup import warm_up_in_background

        # A web process loads the fonts in the background from its first request on.
        request_started.connect(warm_up_in_background, dispatch_uid="documents.warm_up")
