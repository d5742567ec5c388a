from django.test import SimpleTestCase

from plans.models import cn_numeral


class NumeralTests(SimpleTestCase):
    def test_category_and_heading_numbers_in_chinese(self) -> None:
        self.assertEqual(
            [cn_numeral(n) for n in (1, 10, 11, 20, 99, 100, 101, 110, 115, 120, 999)],
            [
                "一",
                "十",
                "十一",
                "二十",
                "九十九",
                "一百",
                "一百零一",
                "一百一十",
                "一百一十五",
                "一百二十",
                "九百九十九",
            ],
        )
