"""Structured logs (LOG_FORMAT=json): one JSON object a line, for journald and
whatever collects it, with the request's id when there is one.

Imports nothing from Django at module level: gunicorn's logging configuration
(deploy/gunicorn.conf.py) loads the formatter before Django is set up.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

# The id of the request this thread is serving ("" outside a request).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# An id from the proxy (nginx's $request_id: 32 hex digits) is kept when it looks
# like one; anything else (too long, spaces, quotes) is replaced by a new id, so a
# client cannot write arbitrary text into the log lines through the header.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# gunicorn's access log record carries its atoms (glogging.Logger.atoms) as the
# record's arguments: these become fields of their own.
_ACCESS_FIELDS = {
    "remote": "h",
    "method": "m",
    "path": "U",
    "status": "s",
    "bytes": "B",
    "duration_ms": "M",
}


def new_request_id(given: str = "") -> str:
    """The proxy's id when it looks like one, or a new one."""
    return given if _SAFE_ID.match(given) else uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, request_id, the traceback as
    `exception` when there is one; for gunicorn's access lines also remote,
    method, path, status, bytes and duration_ms."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django logs a response of 400 or more after the middleware has returned
        # (BaseHandler.get_response), with the request attached to the record.
        current = request_id.get() or getattr(getattr(record, "request", None), "request_id", "")
        if current:
            entry["request_id"] = current
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            atoms = record.args
            for field, atom in _ACCESS_FIELDS.items():
                value = atoms.get(atom)
                if value not in (None, "-"):
                    entry[field] = value
            # Written by RequestIdMiddleware on the response: the same id as the
            # application's own lines of that request.
            answered = atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i")
            if answered and answered != "-":
                entry["request_id"] = answered
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Give each request an id (the proxy's X-Request-ID, or a new one), put it
    in the log lines written while serving it and in the response's header."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        current = new_request_id(request.META.get("HTTP_X_REQUEST_ID", ""))
        request.request_id = current
        token = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = current
        return response
