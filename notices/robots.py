"""Work-chat group robots (群机器人): the messages WeCom and DingTalk accept,
DingTalk's request signing, and one POST that says whether the robot took it.

No database here; notices.services decides what to send and records the outcome.
"""

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

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


def post(url: str, body: dict[str, Any], *, timeout: float) -> str | None:
    """POST the message; None when the robot took it, else what went wrong.

    Success is HTTP 200 with a JSON answer whose errcode is 0. Anything else (another
    status, errcode, no answer within `timeout` seconds, no connection) is a failure
    the caller may retry.
    """
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        return "not an http(s) address"
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            raw = response.read(ANSWER_MAX_BYTES)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return f"no answer within {timeout:g} s"
        return f"no connection: {reason}"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except (OSError, http.client.HTTPException) as exc:
        return f"no connection: {exc}"
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
