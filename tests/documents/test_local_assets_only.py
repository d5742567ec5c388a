import socket
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from documents.pdf import official_context, render_official_pdf

REMOTE = (
    '{% extends "documents/official_base.html" %}{% block body %}'
    '<img src="http://192.0.2.1/seal.png"><p>正文。</p>{% endblock %}'
)


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [settings.BASE_DIR / "templates"],
            "OPTIONS": {
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"remote.html": REMOTE}),
                    "django.template.loaders.filesystem.Loader",
                ]
            },
        }
    ]
)
class LocalAssetsOnlyTest(SimpleTestCase):
    def test_a_remote_url_in_a_document_is_never_fetched(self) -> None:
        context = official_context(issuer="专班", doc_number="第1期", title="标题")
        with (
            mock.patch.object(socket.socket, "connect") as connect,
            mock.patch.object(socket.socket, "connect_ex") as connect_ex,
            self.assertLogs("weasyprint", "ERROR"),
        ):
            pdf = render_official_pdf(template_name="remote.html", context=context)
        self.assertTrue(pdf.startswith(b"%PDF-"))
        connect.assert_not_called()
        connect_ex.assert_not_called()
