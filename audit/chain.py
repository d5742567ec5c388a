"""The audit chain's digests and keys (pure: no database).

A row's digest is an HMAC over its content and the digest of the row before
it, with a key held outside the database (AUDIT_KEY, AUDIT_KEY_FILE) and the
hash function AUDIT_DIGEST ("sm3", the default, or "sha256"). Each row records
the id of the key and the hash function it was chained with, so a trail can
span several keys (rotation) and both functions.

Rows written before the chain was keyed carry an empty key id: their digest is
the plain, public SHA-256 of the same content (the "legacy" segment). They are
accepted only at the start of the trail; the first keyed row after them binds
their last digest under the key.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings

GENESIS = "0" * 64
DIGESTS = ("sm3", "sha256")
# The key of development and tests only, used when AUDIT_KEY is unset outside
# production (config/settings.py refuses to start production without one, and
# audit.checks warns when a server runs on it without DEBUG).
DEVELOPMENT_KEY = "development-only-audit-key-never-used-in-production"
DEVELOPMENT_KEY_ID = "dev"
MIN_KEY_LENGTH = 32
# The actions of the rows that hand the chain from one key to the next.
ROTATE_ACTION = "audit.key_rotate"
REKEY_ACTION = "audit.rekey"


class KeyConfigError(ValueError):
    """The audit key settings cannot be read (bad AUDIT_OLD_KEYS, unknown digest)."""


def key_fingerprint(key: str) -> str:
    """The default id of a key: names it without revealing it."""
    mac = hmac.new(key.encode("utf-8"), b"audit key id", hashlib.sha256).hexdigest()
    return f"k{mac[:8]}"


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    digest: str
    keys: dict[str, str] = field(default_factory=dict)
    development: bool = False

    @property
    def current_key(self) -> str:
        return self.keys[self.current_id]


def _parse_old_keys(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise KeyConfigError(f"AUDIT_OLD_KEYS is not JSON: {exc}") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in value.items()
    ):
        raise KeyConfigError('AUDIT_OLD_KEYS must be a JSON object {"key id": "key", ...}.')
    return value


@lru_cache(maxsize=8)
def _keyring(key: str, key_id: str, old_keys: str, digest: str) -> KeyRing:
    if digest not in DIGESTS:
        raise KeyConfigError(f"AUDIT_DIGEST must be one of {', '.join(DIGESTS)}, not {digest!r}.")
    development = not key
    if development:
        key, key_id = DEVELOPMENT_KEY, key_id or DEVELOPMENT_KEY_ID
    key_id = key_id or key_fingerprint(key)
    keys = _parse_old_keys(old_keys)
    if keys.get(key_id, key) != key:
        raise KeyConfigError(
            f"AUDIT_OLD_KEYS names the current key id {key_id!r} with another key."
        )
    keys[key_id] = key
    return KeyRing(current_id=key_id, digest=digest, keys=keys, development=development)


def keyring() -> KeyRing:
    """The configured keys, read from settings (cached per distinct setting values)."""
    return _keyring(
        getattr(settings, "AUDIT_KEY", "") or "",
        getattr(settings, "AUDIT_KEY_ID", "") or "",
        getattr(settings, "AUDIT_OLD_KEYS", "") or "",
        (getattr(settings, "AUDIT_DIGEST", "") or "sm3").lower(),
    )


def row_content(values: dict[str, Any], *, keyed: bool) -> bytes:
    """The bytes a row's digest covers. `values` holds the row's fields by name."""
    at: datetime = values["at"]
    content = {
        "prev": values["prev_hash"],
        "at": at.isoformat(timespec="microseconds"),
        "user": values["user_id"],
        "username": values["username"],
        "unit": values["unit_name"],
        "role": values["role"],
        "action": values["action"],
        "object_type": values["object_type"],
        "object_id": values["object_id"],
        "object_repr": values["object_repr"],
        "outcome": values["outcome"],
        "client_ip": values["client_ip"],
        "summary": values["summary"],
    }
    if keyed:
        # The key id and the function are covered too: a row cannot be moved to
        # another key's segment, nor downgraded to the public digest.
        content["key"] = values["key_id"]
        content["digest"] = values["digest"]
        if values.get("stream"):
            # Covered too, so a row cannot be moved to another stream's chain;
            # absent for stream 0, so the rows written before the streams keep
            # their digests.
            content["stream"] = values["stream"]
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return encoded.encode("utf-8")


def compute_digest(values: dict[str, Any], *, key: str | None) -> str:
    """A row's digest: the legacy public SHA-256 when it has no key id, else the HMAC."""
    if not values["key_id"]:
        return hashlib.sha256(row_content(values, keyed=False)).hexdigest()
    if key is None:
        raise KeyError(values["key_id"])
    return hmac.new(
        key.encode("utf-8"), row_content(values, keyed=True), values["digest"]
    ).hexdigest()


def event_values(event: Any) -> dict[str, Any]:
    """The fields row_content reads, from an AuditEvent (or its historical model)."""
    return {
        name: getattr(event, name)
        for name in (
            "prev_hash",
            "at",
            "user_id",
            "username",
            "unit_name",
            "role",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "outcome",
            "client_ip",
            "summary",
            "key_id",
            "digest",
        )
    } | {"stream": getattr(event, "stream", 0)}
