"""Hostile OpenAI-compatible servers on 127.0.0.1: the request's model name picks the fault
(a late first byte, keep-alives forever, endless error bodies, lines without end, Retry-After
values, replies cut short, malformed events, floods)."""

import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ["The", " room", " is", " B12."]
MESSAGES = [{"role": "user", "content": "Which room?"}]


def delta(text=None, finish=None):
    return (
        "data: "
        + json.dumps({"choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]})
        + "\n\n"
    )


class Handler(BaseHTTPRequestHandler):
    """The model name picks the fault."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        try:
            getattr(self, "fault_" + body["model"].replace("-", "_"))()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up, as it should

    # -- helpers ----------------------------------------------------------------------------
    def start(self, status=200, content_type="text/event-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()

    def chunk(self, text: str | bytes):
        data = text.encode() if isinstance(text, str) else text
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def finish_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def forever(self, text, pause=0.02, most=30.0):
        stop = time.monotonic() + most
        while time.monotonic() < stop:
            self.chunk(text)
            time.sleep(pause)

    def answer(self, done=True):
        for word in WORDS:
            self.chunk(delta(word))
        self.chunk(delta(finish="stop"))
        if done:
            self.chunk("data: [DONE]\n\n")
        self.finish_chunks()

    def reply_json(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # -- faults -----------------------------------------------------------------------------
    def fault_good(self):
        self.start()
        self.chunk(": ping\n\n")
        self.answer()

    def fault_first_byte_late(self):
        time.sleep(self.server.first_byte_delay)  # a long prefill
        self.start()
        self.answer()

    def fault_pings_forever(self):
        self.start()
        self.forever(": ping\n\n")

    def fault_empty_choices_forever(self):
        self.start()
        self.forever('data: {"choices": []}\n\n')

    def fault_error_body_endless(self):
        self.start(400, "application/json")
        self.chunk('{"error": {"message": "bad request"')
        self.forever(" " * 100, pause=0.05)

    def fault_error_body_huge(self):
        self.start(400, "application/json")
        self.forever("x" * 65536, pause=0.0)

    def fault_no_newline(self):
        self.start()
        self.forever("data: " + "x" * 65536, pause=0.0)

    def fault_retry_after(self):
        value = self.server.retry_after.pop(0) if self.server.retry_after else None
        if value is not None:
            return self.reply_json(503, {"error": {"message": "busy"}}, [("Retry-After", value)])
        self.start()
        self.answer()

    def fault_cut_without_done(self):
        self.start()
        for word in WORDS[:2]:
            self.chunk(delta(word))
        self.finish_chunks()  # a clean end of the body, but no finish_reason and no [DONE]

    def fault_finish_without_done(self):
        self.start()
        self.answer(done=False)

    def fault_connection_dropped(self):
        self.start()
        for word in WORDS[:2]:
            self.chunk(delta(word))
        self.connection.shutdown(socket.SHUT_RDWR)  # killed mid-answer: the chunked body never ends

    def fault_flood(self):
        self.start()
        self.forever(delta("word "), pause=0.0)

    def fault_json_not_sse(self):
        self.reply_json(200, {"choices": [{"message": {"content": "The room is B12."}}]})

    def fault_malformed(self):
        self.start()
        self.chunk(delta("The"))
        self.chunk(self.server.malformed)
        self.chunk("data: [DONE]\n\n")
        self.finish_chunks()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests, self.retry_after, self.malformed = [], [], b""
        self.first_byte_delay = 2.5

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def serve() -> Server:
    import threading

    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
