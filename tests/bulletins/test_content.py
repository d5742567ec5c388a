from bulletins.content import gather
from rounds.models import UnitReport
from tests.bulletins.base import PERIOD, TODAY, RoundTestCase


class GatherTests(RoundTestCase):
    def test_it_counts_tasks_by_progress_and_reports_by_timeliness(self) -> None:
        data = gather(self.plan, self.round, TODAY)
        due = UnitReport.objects.filter(round=self.round).count()
        self.assertEqual(data["round"]["period"], PERIOD)
        self.assertEqual(data["overall"]["tasks"], 4)
        self.assertEqual(
            data["overall"]["schedule"], {"done": 0, "ahead": 1, "on": 1, "behind": 1, "": 1}
        )
        self.assertEqual(
            data["overall"]["reports"], {"due": due, "on_time": 1, "late": 1, "missing": due - 2}
        )
