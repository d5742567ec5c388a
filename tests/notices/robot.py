"""A work-chat group robot on 127.0.0.1 for the tests: never the internet.

It records every request (path, query, JSON body) and answers as scripted:
by default HTTP 200 with {"errcode": 0, "errmsg": "ok"}, as WeCom and DingTalk do.
"""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OK = (200, {"errcode": 0, "errmsg": "ok"})


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
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def url(self, path: str = "/cgi-bin/webhook/send?key=test-key") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [request["body"] for request in self.requests]
