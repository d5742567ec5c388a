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

    def test_indicators_stand_against_the_years_target_and_the_time_proportional_line(
        self,
    ) -> None:
        rows = {row["indicator"]: row for row in gather(self.plan, self.round, TODAY)["indicators"]}
        # Reported by 市工业和信息化局 for the first quarter of 2026.
        institutes = rows["新增工业企业研发机构"]
        self.assertEqual(
            (institutes["task"], institutes["value"], institutes["target"], institutes["status"]),
            (4, "85", "不低于80家", "已达标"),
        )
        # 500 a year: 90/365 of it (123.29, so at least 124 projects) was due by 31 March;
        # 320 is well ahead.
        projects = rows["实施技改项目"]
        self.assertEqual(
            (projects["expected"], projects["value"], projects["status"]),
            ("124", "320", "超序时进度"),
        )
        self.assertEqual(set(rows), {"新增工业企业研发机构", "实施技改项目"})
