"""A small OpenAI-compatible chat completions server whose every answer can be scripted.

Tests use it to see what a suggester does when a provider is slow, rate-limits, fails, hangs,
answers garbage, rejects ``json_schema`` like llama-cpp-python's server, or returns logprobs.
It counts requests and the most requests it served at once.

    with FaultServer() as server:
        server.script(Reply.error(429), Reply.label("spam"))
        LLM("openai/fake", api_base=server.url, api_key="sk-test").suggest(...)
        assert server.request_count == 2

Run it alone, for a benchmark or a notebook demo:

    python tests/fault_server.py --latency 0.2 --label ham
"""

from __future__ import annotations

import argparse
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request."""

    status: int = 200
    content: str | None = '{"label": "ham"}'
    body: bytes | None = None  # sent as is, instead of a chat completion or an error object
    delay: float = 0.0
    never_answer: bool = False  # hang until the server stops
    probabilities: Mapping[str, float] | None = None  # alternatives at the label's first token, for logprobs
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def label(cls, label: str, probabilities: Mapping[str, float] | None = None, **kwargs: Any) -> Reply:
        return cls(content=json.dumps({"label": label}), probabilities=probabilities, **kwargs)

    @classmethod
    def text(cls, content: str, **kwargs: Any) -> Reply:
        return cls(content=content, **kwargs)

    @classmethod
    def error(cls, status: int, message: str | None = None, **kwargs: Any) -> Reply:
        error = {"message": message or f"scripted error {status}", "type": "scripted", "code": status}
        return cls(status=status, content=None, body=json.dumps({"error": error}).encode(), **kwargs)

    @classmethod
    def garbage(cls) -> Reply:
        return cls(content=None, body=b"<html>502 Bad Gateway, or something that is not JSON</html>")

    @classmethod
    def hang(cls) -> Reply:
        return cls(never_answer=True)


Responder = Callable[[dict[str, Any]], Reply]

# What llama-cpp-python's server (0.3.x) answers to a response_format of type json_schema: HTTP 500.
LLAMA_CPP_JSON_SCHEMA_REJECTION = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
        "'ctx': {'expected': \"'text' or 'json_object'\"}}\n",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


class FaultServer:
    """An OpenAI-compatible server on 127.0.0.1 and a free port, run in a background thread."""

    def __init__(
        self,
        *,
        default: Reply | Responder | None = None,
        latency: float = 0.0,
        reject_json_schema: bool = False,
        retry_after: float | None = 0.01,
        hang_seconds: float = 60.0,
        honour_n: bool = True,
        port: int = 0,
    ):
        self.default: Reply | Responder = default or Reply.label("ham")
        self.latency = latency
        self.reject_json_schema = reject_json_schema
        self.retry_after = retry_after  # sent on 429 and 5xx so that client backoff stays short in tests
        self.hang_seconds = hang_seconds
        self.honour_n = honour_n  # False: one choice whatever "n" asks, as some providers do
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The api_base to give a client."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def script(self, *replies: Reply) -> FaultServer:
        """Answer the next requests with these replies, in order, then fall back to ``default``."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.headers.clear()
            self.max_in_flight = 0

    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fault-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers that hang
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the request handler --

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            default = self.default
        return default(request) if callable(default) else default


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Headers and body go out in two writes; without this, Nagle's algorithm and delayed ACKs add ~40 ms.
        disable_nagle_algorithm = True
        protocol_version = "HTTP/1.1"  # keep-alive, like a real provider

        def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "tests"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                request = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {"error": {"message": "request body is not JSON"}})
                return
            server._record(request, {k.lower(): v for k, v in self.headers.items()})
            try:
                self._answer(request)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                pass
            finally:
                server._done()

        def _answer(self, request: dict[str, Any]) -> None:
            if server.latency:
                time.sleep(server.latency)
            response_format = request.get("response_format") or {}
            if server.reject_json_schema and response_format.get("type") == "json_schema":
                self._send(500, LLAMA_CPP_JSON_SCHEMA_REJECTION)
                return
            replies = [server._next_reply(request)]
            reply = replies[0]
            if reply.never_answer:
                server._stopping.wait(server.hang_seconds)
                return
            if reply.delay:
                time.sleep(reply.delay)
            headers = dict(reply.headers)
            if (reply.status == 429 or reply.status >= 500) and server.retry_after is not None:
                headers.setdefault("retry-after-ms", str(int(server.retry_after * 1000)))
            if reply.body is not None:
                self._send_bytes(reply.status, reply.body, headers)
                return
            if server.honour_n:
                replies += [server._next_reply(request) for _ in range(int(request.get("n") or 1) - 1)]
            self._send(reply.status, completion(request, replies), headers)

        def _send(self, status: int, data: Any, headers: Mapping[str, str] | None = None) -> None:
            self._send_bytes(status, json.dumps(data).encode(), headers or {})

        def _send_bytes(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def completion(request: dict[str, Any], replies: list[Reply]) -> dict[str, Any]:
    """An OpenAI chat completion object with one choice per reply."""
    want_logprobs = bool(request.get("logprobs"))
    top_n = int(request.get("top_logprobs") or 0)
    choices = []
    completion_tokens = 0
    for index, reply in enumerate(replies):
        content = reply.content or ""
        tokens = _TOKEN.findall(content)
        completion_tokens += len(tokens)
        choice: dict[str, Any] = {
            "index": index,
            "message": {"role": "assistant", "content": reply.content},
            "finish_reason": "stop",
            "logprobs": None,
        }
        if want_logprobs:
            choice["logprobs"] = {"content": _token_logprobs(content, tokens, reply.probabilities, top_n)}
        choices.append(choice)
    prompt_words = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
    return {
        "id": f"chatcmpl-fault-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_words + completion_tokens,
        },
    }


def _token_logprobs(
    content: str, tokens: list[str], probabilities: Mapping[str, float] | None, top_n: int
) -> list[dict[str, Any]]:
    """Per-token logprobs: certain everywhere except at the label's first token, if alternatives are given."""
    label_start = _label_start(content)
    entries = []
    offset = 0
    for token in tokens:
        start, offset = offset, offset + len(token)
        alternatives = [(token, 0.0)]
        stripped = token.lstrip()
        if probabilities and start <= label_start < offset and stripped:
            lead = token[: len(token) - len(stripped)]
            alternatives = sorted(
                ((lead + _first_token(label), math.log(p)) for label, p in probabilities.items() if p > 0),
                key=lambda pair: -pair[1],
            )
            if token not in dict(alternatives):
                alternatives.insert(0, (token, math.log(1e-6)))
        chosen = dict(alternatives)[token]
        entries.append(
            {
                "token": token,
                "logprob": chosen,
                "bytes": list(token.encode()),
                "top_logprobs": [
                    {"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in alternatives[: max(top_n, 1)]
                ],
            }
        )
    return entries


def _label_start(content: str) -> int:
    keyed = re.search(r'"label"\s*:\s*"', content)
    if keyed:
        return keyed.end()
    return len(content) - len(content.lstrip())


def _first_token(text: str) -> str:
    match = _TOKEN.match(text)
    return match.group(0) if match else text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every answer")
    parser.add_argument("--label", default="ham", help="the label every answer gives")
    parser.add_argument("--reject-json-schema", action="store_true", help="answer json_schema with 500, like llama.cpp")
    args = parser.parse_args(argv)
    server = FaultServer(
        default=Reply.label(args.label, probabilities={args.label: 0.9}),
        latency=args.latency,
        reject_json_schema=args.reject_json_schema,
        port=args.port,
    )
    print(f"fault server on {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()


if __name__ == "__main__":
    main()
