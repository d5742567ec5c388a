"""Rendering off the request path: the Celery task "bulletins.render", its progress,
and the draft PDF of a large plan; gather's query count whatever the plan's size."""

import shutil
import tempfile
from unittest import mock

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletins import charts, services
from bulletins.content import gather
from bulletins.models import Bulletin
from bulletins.tasks import render_bulletin
from rounds.opening import round_create
from tests.bulletins.base import DEADLINE, OPENED, TODAY, RoundTestCase
from workflow.dispatch import task_dispatch

MEDIA = tempfile.mkdtemp(prefix="bulletin-task-tests-")


@override_settings(MEDIA_ROOT=MEDIA)
class RenderTaskTests(RoundTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def draft(self) -> Bulletin:
        return services.bulletin_draft(plan=self.plan, round=self.round, by=self.supervisor)

    def test_the_task_renders_the_draft_pdf_and_records_its_progress(self) -> None:
        bulletin = self.draft()
        self.assertEqual(render_bulletin(bulletin.pk), Bulletin.RenderState.DONE)
        bulletin.refresh_from_db()
        self.assertEqual((bulletin.render_state, bulletin.progress), ("done", 100))
        with bulletin.draft_pdf.open("rb") as handle:
            self.assertTrue(handle.read().startswith(b"%PDF"))
        self.assertEqual(render_bulletin.name, "bulletins.render")

    def test_a_failure_is_recorded(self) -> None:
        bulletin = self.draft()
        with (
            mock.patch("bulletins.background.html_to_pdf", side_effect=RuntimeError("boom")),
            self.assertRaises(RuntimeError),
        ):
            render_bulletin(bulletin.pk)
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.render_state, Bulletin.RenderState.FAILED)

    @override_settings(BULLETIN_INLINE_MAX_TASKS=3)
    def test_a_large_plan_renders_in_the_background_and_the_page_polls(self) -> None:
        bulletin = self.draft()
        self.client.force_login(self.supervisor)
        pdf_url = reverse("bulletin_pdf", args=[bulletin.pk])
        with (
            mock.patch("bulletins.tasks.render_bulletin.delay") as delay,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.get(pdf_url)
        self.assertRedirects(response, bulletin.get_absolute_url())
        delay.assert_called_once_with(bulletin.pk)
        page = self.client.get(bulletin.get_absolute_url())
        self.assertContains(page, 'data-testid="render-progress"')
        self.assertContains(page, "js/progress.js")
        progress = self.client.get(bulletin.get_absolute_url(), {"progress": 1}).json()
        self.assertEqual((progress["state"], progress["progress"]), ("queued", 0))
        render_bulletin(bulletin.pk)  # what the worker does
        progress = self.client.get(bulletin.get_absolute_url(), {"progress": 1}).json()
        self.assertEqual((progress["state"], progress["progress"]), ("done", 100))
        self.assertNotContains(self.client.get(bulletin.get_absolute_url()), "render-progress")
        response = self.client.get(pdf_url)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))

    def test_a_small_plan_renders_inline(self) -> None:
        bulletin = self.draft()
        self.client.force_login(self.supervisor)
        with mock.patch("bulletins.tasks.render_bulletin.delay") as delay:
            response = self.client.get(reverse("bulletin_pdf", args=[bulletin.pk]))
        delay.assert_not_called()
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        self.assertNotContains(self.client.get(bulletin.get_absolute_url()), "render-progress")


class GatherQueriesTests(RoundTestCase):
    def test_gather_reads_in_as_many_queries_for_12_tasks_as_for_4(self) -> None:
        tasks = list(self.plan.tasks.order_by("order")[:12])
        task_dispatch(tasks=tasks, by=None, today=OPENED)
        # Each measured while it is the plan's current round (its lights are today's).
        with CaptureQueriesContext(connection) as small:
            gather(self.plan, self.round, TODAY)
        larger = round_create(
            plan=self.plan, by=None, period="第二轮", deadline=DEADLINE, today=OPENED, tasks=tasks
        )
        self.assertEqual(larger.tasks.count(), 12)
        with self.assertNumQueries(len(small)):
            data = gather(self.plan, larger, TODAY)
        self.assertEqual(data["overall"]["tasks"], 12)


class ChartTests(RoundTestCase):
    def test_charts_have_chinese_labels_whole_number_axes_and_no_tooltip_nodes(self) -> None:
        import base64

        data = gather(self.plan, self.round, TODAY)
        data["units"][0]["unit"] = "一个名称非常非常长的市直单位工作机构"
        drawn = charts.all_charts(data)
        lights = base64.b64decode(drawn["lights"].split(",", 1)[1]).decode()
        self.assertIn("一个名称非常非常长的市…", lights)
        self.assertNotIn("<desc", lights)
        self.assertNotIn(".5<", lights)
        categories = base64.b64decode(drawn["categories"].split(",", 1)[1]).decode()
        self.assertIn("（二）强化质量动…", categories)
