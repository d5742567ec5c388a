"""A job: slow work a person asked for (an export, issuing a bulletin), run off the
request path by a Celery worker (or in the web process without a broker), with the
stage it reached for the page that polls it and, at the end, a file or a link."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Completed")
        FAILED = "failed", _("Failed")

    # What to run, as an app registered it (jobs.registry): "ledger.export".
    kind = models.CharField(_("kind"), max_length=50)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    # The requester's unit when asked: the scope the job's records were read in.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    # What the kind needs to run it again from scratch (ids, filters): plain JSON.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The language the requester read the page in: files and notices are in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    result = models.FileField(_("result file"), upload_to="jobs/", blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_type = models.CharField(_("content type"), max_length=100, blank=True)
    # A page of the site the result is (an issued bulletin), for kinds without a file.
    result_url = models.CharField(_("result link"), max_length=500, blank=True)
    # What the requester is told when it failed (never a traceback).
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="jobs_by_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
