from django.db import models


class NumberSeries(models.Model):
    """The last number used in a yearly series of official documents (督办单,
    通报, 考核): taken under a row lock so numbers have no gaps and no repeats.

    The table keeps the name it had when the series lived in ``supervision``.
    """

    series = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "supervision_numberseries"
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="series_year")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"
