"""A work-chat group robot on 127.0.0.1 for the tests: never the internet.

It records every request (path, query, JSON body) and answers as scripted:
by default HTTP 200 with {"errcode": 0, "errmsg": "ok"}, as WeCom and DingTalk do.

While it runs it stands in for the real robot hosts: a local resolver stub
(socket.getaddrinfo) answers them with a public address, and the connection the
sender opens to that checked address is routed to this server (plain HTTP; the
TLS layer is the standard library's own).
"""

import contextlib
import http.client
import ipaddress
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

from notices import robots

OK = (200, {"errcode": 0, "errmsg": "ok"})
WECOM_HOST = "qyapi.weixin.qq.com"
DINGTALK_HOST = "oapi.dingtalk.com"
# A public address the stub gives the robot hosts (never connected to).
PUBLIC = "101.91.22.57"


@contextlib.contextmanager
def resolving(names: dict[str, list[str]]) -> Iterator[None]:
    """A local resolver: each name answers its addresses, any other name is unknown."""

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        addresses = names.get(str(host).lower().rstrip("."))
        with contextlib.suppress(ValueError):
            # An address literal (the local server's own) answers itself.
            addresses = [str(ipaddress.ip_address(str(host)))]
        if addresses is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in addresses
        ]

    with mock.patch("socket.getaddrinfo", getaddrinfo):
        yield


@contextlib.contextmanager
def routed_to(port: int, connections: list[dict[str, Any]] | None = None) -> Iterator[None]:
    """Connections the sender opens go to 127.0.0.1:port (recording what it asked for)."""

    def open_connection(*, host: str, address: str, port: int, timeout: float) -> Any:
        if connections is not None:
            connections.append({"host": host, "address": address, "port": port})
        return http.client.HTTPConnection("127.0.0.1", local_port, timeout=timeout)

    local_port = port
    with mock.patch.object(robots, "open_connection", open_connection):
        yield


class RobotServer:
    def __init__(self, answers: list[tuple[int, Any]] | None = None, delay: float = 0.0) -> None:
        # Answers are used in order, one per request; then OK for every request.
        self.answers = list(answers or [])
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()

    def __enter__(self) -> "RobotServer":
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                with robot._lock:
                    robot.requests.append(
                        {
                            "path": parts.path,
                            "query": dict(urllib.parse.parse_qsl(parts.query)),
                            "content_type": self.headers.get("Content-Type", ""),
                            "body": json.loads(raw.decode("utf-8")),
                        }
                    )
                    status, answer = robot.answers.pop(0) if robot.answers else OK
                if robot.delay:
                    # Longer than the client waits; released when the test ends.
                    robot._release.wait(robot.delay)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", f"http://127.0.0.1:{robot.port}/elsewhere")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def do_GET(self) -> None:
                with robot._lock:
                    robot.requests.append({"path": self.path, "method": "GET", "body": None})
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.port = self.server.server_address[1]
        self.connections: list[dict[str, Any]] = []
        self._patches = contextlib.ExitStack()
        self._patches.enter_context(resolving({WECOM_HOST: [PUBLIC], DINGTALK_HOST: [PUBLIC]}))
        self._patches.enter_context(routed_to(self.port, self.connections))
        return self

    def __exit__(self, *exc: object) -> None:
        self._patches.close()
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def url(self, path: str = "/cgi-bin/webhook/send?key=test-key", host: str = WECOM_HOST) -> str:
        """The robot's address as an administrator saves it (the real host's name)."""
        return f"https://{host}{path}"

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [request["body"] for request in self.requests]
