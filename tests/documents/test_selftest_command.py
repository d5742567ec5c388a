import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase


class DocumentsSelftestCommandTest(SimpleTestCase):
    def test_it_writes_the_sample_notice_and_prints_the_time_of_each_rendering(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "notice.pdf"
            out = io.StringIO()
            call_command("documents_selftest", str(path), "--runs", "2", stdout=out)
            self.assertTrue(path.read_bytes().startswith(b"%PDF-"))
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn(str(path), lines[2])
