from django.test import SimpleTestCase
from django.urls import reverse

from common.urls import url_maker


class UrlMakerTests(SimpleTestCase):
    def test_the_same_url_as_reverse_for_every_key(self) -> None:
        for name, fixed in (("unit_dashboard", [3]), ("report_detail", []), ("task_detail", [])):
            url = url_maker(name, *fixed)
            for pk in (1, 7, 918, 918273645, 10**12):
                with self.subTest(name=name, pk=pk):
                    self.assertEqual(url(pk), reverse(name, args=[*fixed, pk]))
