"""Secrets kept sealed at rest: the group robots' addresses (their access token is
in the query) and DingTalk signing secrets, encrypted with Fernet (cryptography).

The keys come from settings.NOTICE_ROBOT_KEYS (environment NOTICE_ROBOT_KEYS or a
file named by NOTICE_ROBOT_KEYS_FILE; comma-separated Fernet keys). The first one
seals; every one opens, so a key is rotated by putting the new one first and running
`manage.py reseal_robots`. Without configured keys, a key derived from SECRET_KEY
seals (and keys derived from SECRET_KEY_FALLBACKS still open).

A sealed column loads as a `Sealed` value that nothing prints; only `open()` (called
when a message is sent) decrypts it.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

_DERIVATION_LABEL = b"notices.robot-seal.v1:"


class SealError(Exception):
    """The value cannot be opened with any key held (a key was lost or replaced)."""


def _derived(secret: str) -> bytes:
    digest = hashlib.sha256(_DERIVATION_LABEL + secret.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)


def _keys() -> list[bytes]:
    configured = [key.encode("ascii") for key in getattr(settings, "NOTICE_ROBOT_KEYS", [])]
    # A SECRET_KEY made up for one process (no key set, DEBUG off: tests, commands)
    # would seal what the next process cannot open: a fixed development key instead.
    if getattr(settings, "SECRET_KEY_EPHEMERAL", False):
        return [*configured, _derived("development-only-robot-seal")]
    derived = [_derived(settings.SECRET_KEY)] + [
        _derived(old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", [])
    ]
    return configured + derived


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def seal(plain: str) -> str:
    """The plain text encrypted with the current key; empty stays empty."""
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SealError("the sealed value cannot be opened with the keys held") from exc


def reseal(token: str) -> str:
    """The token encrypted again with the current (first) key."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise SealError("the sealed value cannot be opened with the keys held") from exc


class Sealed:
    """A sealed value as stored. It never prints its content; open() decrypts it."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def open(self) -> str:
        return unseal(self.token)

    def __bool__(self) -> bool:
        return bool(self.token)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def __str__(self) -> str:
        return "••••••" if self.token else ""

    def __repr__(self) -> str:
        return "<Sealed>"


def opened(value: "Sealed | str") -> str:
    """The plain text of a field's value: a loaded (sealed) one or one just assigned."""
    return value.open() if isinstance(value, Sealed) else (value or "")


class SealedTextField(models.TextField):
    """A text column stored sealed. Assign plain text; it loads as `Sealed`."""

    def from_db_value(self, value: str | None, expression: object, connection: object):
        if not value:
            return ""
        return Sealed(value)

    def to_python(self, value: object) -> object:
        if isinstance(value, Sealed) or value is None:
            return value
        return str(value)

    def get_prep_value(self, value: object) -> object:
        if isinstance(value, Sealed):
            return value.token
        if value is None:
            return None
        return seal(str(value))

    def value_to_string(self, obj: models.Model) -> str:
        # Serialised (dumpdata) as the sealed token, never in plain text.
        value = self.value_from_object(obj)
        return value.token if isinstance(value, Sealed) else seal(value or "")
