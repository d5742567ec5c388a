"""Small real files of each kind, built in memory for the tests."""

import gzip
import io
import struct
import tarfile
import zipfile
import zlib

from openpyxl import Workbook
from PIL import Image

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100) + b"This program"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
RAR = b"Rar!\x1a\x07\x01\x00" + bytes(64)
SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64)

FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def png() -> bytes:
    """A 1x1 PNG, chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def image(format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format=format)
    return buffer.getvalue()


def zipped(members: dict[str, bytes], prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx() -> bytes:
    return zipped(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def pptx() -> bytes:
    # LibreOffice's order: the content types are not the first member.
    return zipped(
        {
            "_rels/.rels": b"<Relationships/>",
            "ppt/presentation.xml": b"<p:presentation/>",
            "[Content_Types].xml": CONTENT_TYPES,
        }
    )


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "办结率"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ofd() -> bytes:
    return zipped({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


def plain_zip() -> bytes:
    return zipped({"报告.pdf": PDF, "word/readme.txt": b"not a document"})


def gz() -> bytes:
    return gzip.compress(PDF)


def tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("report.pdf")
        info.size = len(PDF)
        archive.addfile(info, io.BytesIO(PDF))
    return buffer.getvalue()


def ole2(*streams: str) -> bytes:
    """A compound file (CFB v3, 512-byte sectors) with up to three root streams of
    4 KiB each: sector 0 the FAT, sector 1 the directory, then the streams."""
    assert len(streams) <= 3
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", FREE) * 108
    assert len(header) == 512

    fat = [FAT_SECTOR, END]
    for index in range(len(streams)):
        first = 2 + index * 8
        fat += [*range(first + 1, first + 8), END]
    fat += [FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NO_STREAM, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1 if streams else NO_STREAM, NO_STREAM, END, 0)
    for index, name in enumerate(streams):
        right = index + 2 if index + 1 < len(streams) else NO_STREAM
        directory += entry(name, 2, NO_STREAM, right, 2 + index * 8, 4096)
    directory = directory.ljust(512, b"\x00")

    data = b"".join(bytes([index + 1]) * 4096 for index in range(len(streams)))
    return header + struct.pack("<128I", *fat) + directory + data
