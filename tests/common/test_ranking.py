"""common.ranking: ties share a place and the next places are skipped."""

from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase

from common.ranking import competition_ranks


class CompetitionRanksTests(SimpleTestCase):
    def test_equal_results_share_a_rank_and_the_next_rank_skips(self) -> None:
        ranked = competition_ranks([90, 85, 85, 70, 85, 60], key=lambda v: -v)
        self.assertEqual(ranked, [(1, 90), (2, 85), (2, 85), (2, 85), (5, 70), (6, 60)])

    def test_ties_keep_the_order_they_came_in(self) -> None:
        units = [("临西", 3), ("市发展改革委", 3), ("人行", 5), ("临城", 3)]
        ranked = competition_ranks(units, key=lambda unit: -unit[1])
        self.assertEqual(
            [(rank, name) for rank, (name, _points) in ranked],
            [(1, "人行"), (2, "临西"), (2, "市发展改革委"), (2, "临城")],
        )

    def test_everyone_equal_is_everyone_first(self) -> None:
        ranked = competition_ranks(["a", "b", "c"], key=lambda _v: 0)
        self.assertEqual([rank for rank, _v in ranked], [1, 1, 1])

    def test_a_tuple_key_ties_only_when_every_part_is_equal(self) -> None:
        rows = [(Fraction(2, 3), 4), (Fraction(4, 6), 4), (Fraction(2, 3), 6)]
        ranked = competition_ranks(rows, key=lambda row: (-row[0], row[1]))
        self.assertEqual([rank for rank, _row in ranked], [1, 1, 3])

    def test_decimals_equal_in_value_tie(self) -> None:
        ranked = competition_ranks(
            [Decimal("75.00"), Decimal("75"), Decimal("80.5")], key=lambda v: -v
        )
        self.assertEqual([rank for rank, _v in ranked], [1, 2, 2])

    def test_nothing_to_rank(self) -> None:
        self.assertEqual(competition_ranks([], key=lambda v: v), [])
