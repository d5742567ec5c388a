"""Work-chat group robots (群机器人): the messages WeCom and DingTalk accept,
DingTalk's request signing, and one POST that says whether the robot took it.

No database here; notices.services decides what to send and records the outcome.

A robot address is trusted no further than this (an administrator types it, so
it must not become a way into the server's own network): https only, a host on
settings.NOTICE_ROBOT_HOSTS (WeCom's and DingTalk's robot hosts by default), the
standard port, and every address the host resolves to public. The message goes
to one of the addresses checked, not to whatever a second lookup answers (so a
DNS rebind cannot swap it), over TLS verified for the host's name; a redirect is
a failure, never followed.
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

WECOM = "wecom"
DINGTALK = "dingtalk"
# Both vendors cut a text message at 2048 bytes (WeCom documents it; DingTalk's
# limit is larger): stay under it rather than have the robot refuse the message.
CONTENT_MAX_BYTES = 2048
# WeCom and DingTalk robots both accept 20 messages a minute; more are refused.
MESSAGES_PER_MINUTE = 20
ANSWER_MAX_BYTES = 64 * 1024


def clip_utf8(text: str, max_bytes: int = CONTENT_MAX_BYTES) -> str:
    """The text cut to at most max_bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


def payload(*, kind: str, content: str, mobiles: list[str]) -> dict[str, Any]:
    """The JSON body of a text message naming `mobiles` (@-mentioned)."""
    if kind == WECOM:
        text: dict[str, Any] = {"content": clip_utf8(content)}
        if mobiles:
            text["mentioned_mobile_list"] = mobiles
        return {"msgtype": "text", "text": text}
    if kind == DINGTALK:
        # DingTalk highlights a mention only where the content itself says @mobile.
        mentions = " ".join(f"@{mobile}" for mobile in mobiles)
        room = CONTENT_MAX_BYTES - len(mentions.encode("utf-8")) - 1
        text_content = clip_utf8(content, room) + ("\n" + mentions if mentions else "")
        return {
            "msgtype": "text",
            "text": {"content": text_content},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
    raise ValueError(f"Unknown robot kind: {kind!r}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret,
    base64-encoded (the caller URL-encodes it into the query)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The robot address with DingTalk's timestamp and sign query parameters added."""
    if not secret:
        return url
    # DingTalk refuses a timestamp more than an hour from its own clock: the
    # real one, whatever time the sweep believes it is.
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urllib.parse.urlencode({"timestamp": stamp, "sign": dingtalk_sign(secret, stamp)})
    return f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}"


def mobiles_of(phones: list[str]) -> list[str]:
    """The mobile numbers among phone fields as people type them (spaces, dashes, +86)."""
    found = []
    for phone in phones:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if len(digits) == 11 and digits.startswith("1") and digits not in found:
            found.append(digits)
    return found


class RobotAddressError(ValueError):
    """The address is not one a robot message may go to (the message is translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked robot address: where to connect, and what to ask for."""

    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def public_address(address: str) -> bool:
    """Whether the address is a public unicast one (not loopback, private, link-local,
    multicast, reserved, unspecified, shared or documentation space)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not (
            ip.is_loopback
            or ip.is_private
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        )
    )


def address_parts(url: str, allowed_hosts: Iterable[str]) -> urllib.parse.SplitResult:
    """The address split into its parts, refused unless https on an allowed host."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise RobotAddressError(_("The robot's address is not a valid web address.")) from None
    if parts.scheme != "https" or not parts.hostname:
        raise RobotAddressError(_("The robot's address must start with https://."))
    allowed = {host.strip().lower().rstrip(".") for host in allowed_hosts if host.strip()}
    host = parts.hostname.lower().rstrip(".")
    if parts.username is not None or parts.password is not None or host not in allowed:
        raise RobotAddressError(
            _("Only the WeCom and DingTalk robot addresses are accepted (%(hosts)s).")
            % {"hosts": "、".join(sorted(allowed)) or "—"}
        )
    if port not in (None, 443):
        raise RobotAddressError(_("The robot's address must use the standard https port."))
    return parts


def check_address(url: str, allowed_hosts: Iterable[str]) -> Target:
    """The address checked and resolved: every address the host has must be public."""
    parts = address_parts(url, allowed_hosts)
    host = parts.hostname.lower().rstrip(".")  # type: ignore[union-attr]
    try:
        found = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        found = []
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise RobotAddressError(_("The robot's host %(host)s cannot be found.") % {"host": host})
    if not all(public_address(address) for address in addresses):
        raise RobotAddressError(
            _("The robot's host %(host)s points to an internal address; it cannot be used.")
            % {"host": host}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(host=host, port=443, path=path, addresses=addresses)


def without_query(url: str) -> str:
    """The address shown to people: scheme, host and path, the token-bearing query cut."""
    parts = urllib.parse.urlsplit((url or "").strip())
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", "")
    )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one given address, the certificate checked for the host's name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def open_connection(
    *, host: str, address: str, port: int, timeout: float
) -> http.client.HTTPConnection:
    """The connection a message goes over (the tests put a local server here)."""
    return _PinnedHTTPSConnection(host, address, port, timeout)


def post(
    url: str, body: dict[str, Any], *, timeout: float, allowed_hosts: Iterable[str]
) -> str | None:
    """POST the message; None when the robot took it, else what went wrong.

    The address is checked again here (settings or DNS may have changed since it was
    saved). Success is HTTP 200 with a JSON answer whose errcode is 0. Anything else
    (a refused address, another status, a redirect, errcode, no answer within
    `timeout` seconds, no connection) is a failure the caller may retry.
    """
    try:
        target = check_address(url, allowed_hosts)
    except RobotAddressError as exc:
        return f"refused: {exc.message}"
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    connection = open_connection(
        host=target.host, address=target.addresses[0], port=target.port, timeout=timeout
    )
    try:
        connection.request(
            "POST",
            target.path,
            body=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        response = connection.getresponse()
        status = response.status
        raw = response.read(ANSWER_MAX_BYTES)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except (OSError, http.client.HTTPException) as exc:
        return f"no connection: {exc}"
    finally:
        connection.close()
    # A redirect is not followed: the robot's answer is the first one.
    if status != 200:
        return f"HTTP {status}"
    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError:
        return "the answer is not JSON"
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return f"errcode {errcode}: {errmsg}"[:300]
    return None
