"""The report pages' helpers that draw in Python what templates drew per entry
(rounds.templatetags.rounds.entry_facts, rounds.form_fields): the same HTML,
escaped the same way."""

from decimal import Decimal

from django.http import QueryDict
from django.test import SimpleTestCase
from django.utils import translation

from plans.models import Task, TaskTarget
from rounds.asks import EntryAsk
from rounds.form_fields import Options, entry_fields, fields_html, posted_fields
from rounds.models import Entry, ReportFile, TargetValue
from rounds.templatetags.rounds import entry_facts


def _entry(**fields: object) -> Entry:
    task = Task(pk=7, number=7, order=7, title="任务")
    entry = Entry(pk=1, task=task, **fields)
    entry._prefetched_objects_cache = {"values": [], "files": []}
    return entry


class EntryFactsTests(SimpleTestCase):
    def test_texts_are_escaped_their_lines_kept_and_empty_ones_dashed(self) -> None:
        entry = _entry(progress="a <b>&\nline2", schedule="ahead", next_steps="x\"'")
        target = TaskTarget(pk=3, indicator="项目<数>", unit_of_measure="项")
        entry._prefetched_objects_cache = {
            "values": [TargetValue(target=target, value=Decimal("12.500"))],
            "files": [
                ReportFile(pk=5, original_name="a<b>.pdf"),
                ReportFile(pk=6, original_name="c"),
            ],
        }
        with translation.override("zh-hans"):
            html = str(entry_facts(entry))
        self.assertEqual(
            html,
            '\n<dl class="facts entry-facts">\n'
            "  <dt>本期进展</dt><dd>a &lt;b&gt;&amp;<br>line2</dd>\n"
            "  <dt>序时进度</dt><dd>超进度</dd>\n"
            "  <dt>项目&lt;数&gt;</dt><dd>12.5项</dd>\n"
            "  <dt>存在问题</dt><dd>—</dd>\n"
            "  <dt>下步打算</dt><dd>x&quot;&#x27;</dd>\n"
            '  <dt>佐证材料</dt><dd><a href="/report-files/5/">a&lt;b&gt;.pdf</a><br>'
            '<a href="/report-files/6/">c</a></dd>\n'
            "</dl>\n",
        )

    def test_an_entry_with_no_values_and_no_files(self) -> None:
        with translation.override("zh-hans"):
            html = str(entry_facts(_entry(progress="", schedule="")))
        self.assertIn("<dt>序时进度</dt><dd>—</dd>\n  \n  <dt>存在问题</dt>", html)
        self.assertNotIn("佐证材料", html)


class EntryFieldsTests(SimpleTestCase):
    def ask(self, entry: Entry, targets: list[TaskTarget]) -> EntryAsk:
        return EntryAsk(entry=entry, clauses=[], whole_task=True, targets=targets, previous=None)

    def test_a_stored_entry_shows_its_texts_unless_it_keeps_last_rounds(self) -> None:
        target = TaskTarget(pk=3)
        entry = _entry(progress="进展", schedule="on", problems="问题", next_steps="打算")
        entry._prefetched_objects_cache["values"] = [
            TargetValue(target_id=3, value=Decimal("2.50"))
        ]
        options = Options([("behind", "欠进度"), ("on", "达进度")])
        fields = entry_fields(self.ask(entry, [target]), None, options)
        self.assertEqual(
            (fields.progress, fields.problems, fields.next_steps), ("进展", "问题", "打算")
        )
        self.assertEqual(
            str(fields.schedule_options),
            '<option value="behind">欠进度</option><option value="on" selected>达进度</option>',
        )
        self.assertEqual([(f.name, f.value, f.was) for f in fields.targets], [("v3", "2.5", "")])
        entry.kept_previous = True
        kept = entry_fields(self.ask(entry, [target]), None, options)
        self.assertEqual((kept.progress, kept.same, kept.targets[0].value), ("", True, ""))
        self.assertNotIn("selected", str(kept.schedule_options))

    def test_a_redrawn_form_shows_what_was_sent(self) -> None:
        posted = QueryDict(mutable=True)
        posted.update(
            {"e7-progress": "<新>", "e7-schedule": "behind", "e7-v3": "9", "e7-same": "1"}
        )
        posted.update({"e8-progress": "别的", "e7-base": "abc"})
        self.assertEqual(posted_fields(posted, 7)[3], "9")
        entry = _entry(progress="旧", schedule="on")
        options = Options([("behind", "欠进度"), ("on", "达进度")])
        fields = entry_fields(self.ask(entry, [TaskTarget(pk=3)]), posted, options)
        self.assertEqual((fields.progress, fields.base, fields.same), ("<新>", "abc", True))
        self.assertEqual(fields.targets[0].value, "9")
        self.assertIn('value="behind" selected', str(fields.schedule_options))
        self.assertEqual(fields.problems, "")


class FieldsHtmlTests(SimpleTestCase):
    def test_values_are_escaped_and_the_wrong_field_marked(self) -> None:
        entry = _entry(progress="<b>旧</b>", schedule="on")
        ask = EntryAsk(entry=entry, clauses=[], whole_task=True, targets=[], previous=None)
        ask.fields = entry_fields(ask, None, Options([("on", "达进度")]))
        ask.error_field = "progress"
        with translation.override("zh-hans"):
            html = str(fields_html(ask, "请填写<本期进展>"))
        self.assertIn('<input type="hidden" name="e7-base" value="', html)
        self.assertIn(
            '<textarea name="e7-progress" id="e7-progress" rows="4" maxlength="2000"'
            ' data-required aria-invalid="true" autofocus>&lt;b&gt;旧&lt;/b&gt;</textarea>',
            html,
        )
        self.assertIn('<span class="field-error">请填写&lt;本期进展&gt;</span>', html)
        self.assertIn('<option value="on" selected>达进度</option>', html)
        self.assertNotIn('class="keep"', html)  # no last round to keep
