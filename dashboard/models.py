"""What the dashboard keeps of each round so that its page reads counts, not entries.

A RoundSummary row counts, for one round, one category and one view (the whole
city's, or one unit's: the tasks it answers for as lead, co-unit or through a
group it belongs to), the round's tasks, the lead units' sent entries by
schedule and the stored task lights by colour. dashboard.summaries keeps the
rows in step with the reports, the rounds and the stored lights, in the
transaction that changes them; the page reads a round's few dozen rows where
it would count thousands of entries.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from plans.models import Category
from rounds.models import Round


class RoundSummary(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    # None: the whole city's view.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    tasks = models.PositiveIntegerField(default=0)
    # The lead units' entries in sent reports, by schedule (序时进度).
    sent_done = models.PositiveIntegerField(default=0)
    sent_ahead = models.PositiveIntegerField(default=0)
    sent_on = models.PositiveIntegerField(default=0)
    sent_behind = models.PositiveIntegerField(default=0)
    # The tasks' lights the sweep stored for the round.
    light_red = models.PositiveIntegerField(default=0)
    light_yellow = models.PositiveIntegerField(default=0)
    light_green = models.PositiveIntegerField(default=0)
    light_done = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["unit", "round"], name="summary_unit_round")]
        verbose_name = _("round summary")
        verbose_name_plural = _("round summaries")

    def __str__(self) -> str:
        return f"{self.round_id} {self.unit_id or 'city'} {self.category_id}"
