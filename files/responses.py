"""Downloads of stored files: always an attachment, never sniffed by the browser."""

import os

from django.core.files import File
from django.http import FileResponse

from files.checks import detect_content_type
from files.kinds import OCTET_STREAM


def _safe_filename(filename: str, fallback: str) -> str:
    cleaned = "".join(char for char in filename if char.isprintable()).strip()
    return cleaned or os.path.basename(fallback) or "download"


def attachment_response(
    field_file: File, filename: str, content_type: str | None = None
) -> FileResponse:
    """`field_file` (a FileField's file, or any Django File) as a download named
    `filename`. Without `content_type`, the type is detected from the content; it
    is never guessed from the name, and an unknown kind goes as octet-stream."""
    handle = field_file.open("rb")
    if content_type is None:
        content_type = detect_content_type(handle) or OCTET_STREAM
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_safe_filename(filename, field_file.name or ""),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
