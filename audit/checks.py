"""System checks of the audit key settings (config/settings.py refuses to start
production without AUDIT_KEY and AUDIT_ANCHOR_FILE; these check what is given)."""

import hashlib
import os
import sys
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from audit.chain import MIN_KEY_LENGTH, KeyConfigError, keyring


def running_tests() -> bool:
    """pytest, or a process a test started (it inherits PYTEST_CURRENT_TEST)."""
    return (
        "pytest" in sys.modules
        or "PYTEST_CURRENT_TEST" in os.environ
        or (len(sys.argv) > 1 and sys.argv[1] == "test")
    )


@register(Tags.security)
def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        ring = keyring()
    except KeyConfigError as exc:
        return [Error(str(exc), id="audit.E001")]
    messages: list[CheckMessage] = []
    try:
        hashlib.new(ring.digest)
    except ValueError:
        messages.append(
            Error(
                f"AUDIT_DIGEST is {ring.digest!r}, which this Python's OpenSSL cannot compute.",
                hint='Use AUDIT_DIGEST="sha256", or an OpenSSL with SM3.',
                id="audit.E002",
            )
        )
    if ring.development:
        if getattr(settings, "PRODUCTION", False):
            messages.append(
                Error(
                    "The audit chain runs on the development key.",
                    hint="Set AUDIT_KEY (or AUDIT_KEY_FILE).",
                    id="audit.E003",
                )
            )
        elif not settings.DEBUG and not running_tests():
            messages.append(
                Warning(
                    "The audit chain runs on the development key (AUDIT_KEY is not set): "
                    "anyone can recompute it.",
                    hint="Set AUDIT_KEY (or AUDIT_KEY_FILE) before this server keeps real data.",
                    id="audit.W001",
                )
            )
    short = [key_id for key_id, key in ring.keys.items() if len(key) < MIN_KEY_LENGTH]
    if short and not ring.development:
        messages.append(
            Error(
                f"Audit key(s) {', '.join(sorted(short))} are shorter than "
                f"{MIN_KEY_LENGTH} characters.",
                hint='Generate one with: python -c "import secrets; print(secrets.token_hex(32))"',
                id="audit.E004",
            )
        )
    return messages
