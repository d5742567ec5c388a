"""Stored names: a random id under a prefix, never any part of the uploaded name."""

import uuid

from files.kinds import EXTENSIONS


def extension_for(content_type: str, original_name: str = "") -> str:
    """The extension for a file of `content_type` ("bin" for an unknown type).

    The uploaded name only picks among the type's own extensions (.wps rather
    than .doc for a WPS document); it never brings in one of its own.
    """
    extensions = EXTENSIONS.get(content_type, ("bin",))
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    return suffix if suffix in extensions else extensions[0]


def stored_name(prefix: str, original_name: str, content_type: str) -> str:
    """`"{prefix}/{uuid4hex}.{ext}"`, the extension following the detected type."""
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}.{extension_for(content_type, original_name)}"
