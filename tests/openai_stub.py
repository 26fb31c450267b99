"""A small OpenAI-compatible server for tests: real HTTP, scripted answers, recorded requests.

Modes: ok, 429 (Retry-After: 0), 500, 401, hang (sleeps past the client's timeout), malformed (not
JSON), schema (JSON that violates the schema), refusal.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VALID = {
    "summary": "Solid start: you climbed steadily. Keep your arms straighter between moves.",
    "strengths": ["Steady pace with few long pauses."],
    "recommendations": ["Straight-arm traverses twice a week."],
    "areas": [{"area": a, "feedback": f"Stub feedback for {a}.", "drill": f"Stub drill for {a}."}
              for a in ("arms", "footwork", "hips", "pacing", "fluency", "dynamics")],
    "difficulty_estimate": "V3-V4",
    "observations": ["Hips stay low on the traverse."],
}


class Stub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[str] = []
        self.default = "ok"
        self.hang_s = 5.0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _send(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/models"):
                    if stub.default == "401":
                        return self._send(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
                    return self._send(200, {"object": "list", "data": [{"id": "stub-vision", "object": "model"}]})
                self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with stub.lock:
                    stub.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                    mode = stub.script.pop(0) if stub.script else stub.default
                if mode == "429":
                    return self._send(429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "0"})
                if mode == "500":
                    return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                if mode == "401":
                    return self._send(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
                if mode == "hang":
                    time.sleep(stub.hang_s)
                content: str | None = json.dumps(VALID)
                refusal = None
                if mode == "malformed":
                    content = '{"summary": "unterminated'
                elif mode == "schema":
                    content = json.dumps({"summary": 42, "areas": "none"})
                elif mode == "refusal":
                    content, refusal = None, "I can't help with that."
                try:
                    self._send(200, {
                        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", "stub"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
                        "usage": {"prompt_tokens": 1200, "completion_tokens": 350, "total_tokens": 1550},
                    })
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> Stub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]
