"""Checks on uploaded evidence files: size, and kind judged by the content.

The uploaded name and the browser's declared type are not trusted: a renamed
program called report.pdf is refused, a real PDF called 扫描件 is accepted.
Only what is needed is read (the first bytes; a zip's central directory; an
OLE2 file's directory), and the file is rewound afterwards.
"""

import zipfile
from collections.abc import Iterable
from typing import IO

import olefile
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from files import kinds

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEADER_BYTES = 512  # enough for every signature below (tar's is at 257)

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
EMPTY_ZIP_SIGNATURE = b"PK\x05\x06"
# Root streams that make an OLE2 file a document of that kind (WPS writes the
# same ones). An installer (.msi) or any other compound file has none of them.
OLE2_STREAMS = {
    "worddocument": kinds.DOC,
    "workbook": kinds.XLS,
    "book": kinds.XLS,  # Excel 5/95
    "powerpoint document": kinds.PPT,
}
BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


class UploadRefused(Exception):
    """An upload that may not be kept, with a message for the person naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def archives_allowed() -> bool:
    return bool(getattr(settings, "EVIDENCE_ALLOW_ARCHIVES", False))


def _sniff(head: bytes) -> str | None:
    """The kinds told by their first bytes alone."""
    if head.startswith(b"%PDF-"):
        return kinds.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return kinds.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return kinds.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return kinds.GIF
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in BMP_HEADER_SIZES
    ):
        return kinds.BMP
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return kinds.WEBP
    if head.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")):
        return kinds.RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return kinds.SEVEN_ZIP
    if head.startswith(b"\x1f\x8b\x08"):
        return kinds.GZIP
    if head[257:263] in (b"ustar\x00", b"ustar "):
        return kinds.TAR
    if head.startswith(EMPTY_ZIP_SIGNATURE):
        return kinds.ZIP
    return None


def _zip_kind(file: IO[bytes]) -> str | None:
    """OOXML and OFD documents are zips told apart by their members; any other zip
    is an archive. Only the central directory is read, nothing is decompressed."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = {name.lower() for name in archive.namelist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if "[content_types].xml" in names:
        for folder, kind in (("word/", kinds.DOCX), ("xl/", kinds.XLSX), ("ppt/", kinds.PPTX)):
            if any(name.startswith(folder) for name in names):
                return kind
    if "ofd.xml" in names:
        return kinds.OFD
    return kinds.ZIP


def _ole2_kind(file: IO[bytes]) -> str | None:
    """A Word, Excel or PowerPoint (or WPS) document by its root streams."""
    try:
        ole = olefile.OleFileIO(file)
        try:
            streams = {path[0].lower() for path in ole.listdir() if len(path) == 1}
        finally:
            ole.close()
    # A damaged or hostile file may fail anywhere in the parser: it is simply
    # not a document.
    except Exception:
        return None
    for stream, kind in OLE2_STREAMS.items():
        if stream in streams:
            return kind
    return None


def detect_content_type(file: IO[bytes]) -> str | None:
    """The MIME type of `file` judged by its content (an archive included), or None
    when it is none of the kinds the product knows. The file is left rewound."""
    file.seek(0)
    try:
        head = file.read(HEADER_BYTES)
        if head.startswith(ZIP_SIGNATURE):
            return _zip_kind(file)
        if head.startswith(OLE2_SIGNATURE):
            return _ole2_kind(file)
        return _sniff(head)
    finally:
        file.seek(0)


def check_upload(upload: UploadedFile) -> str:
    """The detected MIME type of an acceptable upload; UploadRefused otherwise."""
    name = upload.name or ""
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)}
        )
    if not upload.size:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    content_type = detect_content_type(upload)
    if content_type is None:
        raise UploadRefused(
            _(
                "%(name)s: the content is not an accepted kind of file "
                "(PDF, OFD, image, Office or WPS document)."
            )
            % {"name": name}
        )
    if content_type in kinds.ARCHIVES and not archives_allowed():
        raise UploadRefused(
            _(
                "%(name)s is an archive (zip, rar, 7z, gz or tar), which is not accepted: "
                "upload the files themselves."
            )
            % {"name": name}
        )
    return content_type


def check_uploads(uploads: Iterable[UploadedFile]) -> None:
    """Check every upload; one refusal refuses them all (nothing is kept)."""
    for upload in uploads:
        check_upload(upload)
