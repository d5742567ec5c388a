"""The kinds of file the product knows, by MIME type, with the extensions they are stored under."""

PDF = "application/pdf"
OFD = "application/ofd"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
BMP = "image/bmp"
WEBP = "image/webp"
# Legacy Office documents (OLE2 compound files); WPS's .wps/.et/.dps share their formats.
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ZIP = "application/zip"
RAR = "application/vnd.rar"
SEVEN_ZIP = "application/x-7z-compressed"
GZIP = "application/gzip"
TAR = "application/x-tar"
OCTET_STREAM = "application/octet-stream"

ARCHIVES = frozenset({ZIP, RAR, SEVEN_ZIP, GZIP, TAR})

# The first extension is the one a stored file gets; the others are kept when the
# uploaded name already has one of them (a .wps stays .wps, a .jpeg stays .jpeg).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: ("pdf",),
    OFD: ("ofd",),
    JPEG: ("jpg", "jpeg"),
    PNG: ("png",),
    GIF: ("gif",),
    BMP: ("bmp",),
    WEBP: ("webp",),
    DOC: ("doc", "wps"),
    XLS: ("xls", "et"),
    PPT: ("ppt", "dps"),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    ZIP: ("zip",),
    RAR: ("rar",),
    SEVEN_ZIP: ("7z",),
    GZIP: ("gz", "tgz"),
    TAR: ("tar",),
}
