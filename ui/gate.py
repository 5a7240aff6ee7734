"""The access token check in front of the whole app (ASGI middleware around Streamlit's own
server): no page, websocket, upload or media request passes without it, only the health check.

A visitor proves the token once on /longdoc/login and gets a session cookie (HMAC of the token
under a key made at start: a restart ends every session); scripts may send
`Authorization: Bearer TOKEN`. Wrong tokens wait a second each, one at a time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import secrets
from urllib.parse import parse_qs, quote, unquote

LOGIN = "/longdoc/login"
COOKIE = "longdoc_session"
OPEN_PATHS = ("/_stcore/health",)  # says only "ok": load balancers and tests poll it
MAX_FORM_BYTES = 4096
FAILURE_DELAY_S = 1.0


class TokenGate:
    def __init__(self, app, token: str):
        if not token.strip():
            raise ValueError("the access token is blank: give a real secret")
        self.app = app
        self.token = token.encode()
        self.session = hmac.new(secrets.token_bytes(32), self.token, hashlib.sha256).hexdigest()
        self.failures = asyncio.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS or self._allowed(scope):
            return await self.app(scope, receive, send)
        if _header(scope, b"authorization"):  # a wrong bearer token waits like a wrong form, one at a time
            async with self.failures:
                await asyncio.sleep(FAILURE_DELAY_S)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 4401})  # before accepting: HTTP 403
        if scope["path"] == LOGIN:
            return await self._login(scope, receive, send)
        wants_page = scope["method"] == "GET" and b"text/html" in _header(scope, b"accept")
        if wants_page:
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else "")
            return await _respond(send, 303, b"", [(b"location", f"{LOGIN}?next={quote(target)}".encode())])
        await _respond(send, 401, b"an access token is needed", [(b"content-type", b"text/plain")])

    def _allowed(self, scope) -> bool:
        cookies = _cookies(_header(scope, b"cookie"))
        if hmac.compare_digest(cookies.get(COOKIE, "").encode(), self.session.encode()):
            return True
        bearer = _header(scope, b"authorization")
        return bearer.startswith(b"Bearer ") and hmac.compare_digest(
            hashlib.sha256(bearer[7:]).digest(), hashlib.sha256(self.token).digest()
        )

    async def _login(self, scope, receive, send):
        query = parse_qs(scope["query_string"].decode("latin-1"))
        target = _local(query.get("next", ["/"])[0])
        if scope["method"] != "POST":
            return await _respond(send, 200, _form(target, ""), [(b"content-type", b"text/html; charset=utf-8")])
        form = parse_qs((await _body(receive, MAX_FORM_BYTES)).decode("utf-8", "replace"))
        given = form.get("token", [""])[0].encode()
        if hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(self.token).digest()):
            secure = b"; Secure" if scope.get("scheme") == "https" else b""
            cookie = f"{COOKIE}={self.session}; Path=/; HttpOnly; SameSite=Strict".encode() + secure
            return await _respond(send, 303, b"", [(b"location", target.encode()), (b"set-cookie", cookie)])
        async with self.failures:  # one wrong guess a second, whoever sends them
            await asyncio.sleep(FAILURE_DELAY_S)
        await _respond(
            send, 401, _form(target, "That token is not right."), [(b"content-type", b"text/html; charset=utf-8")]
        )


def _header(scope, name: bytes) -> bytes:
    return b", ".join(value for key, value in scope.get("headers", []) if key.lower() == name)


def _cookies(raw: bytes) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in raw.decode("latin-1").replace(",", ";").split(";"))
    return {key: value for key, _, value in pairs if key}


def _local(target: str) -> str:
    """Only a path of this site: never another host (an open redirect). Browsers drop tabs and
    newlines and read a backslash as a slash, so "/\t/evil.example" is "//evil.example": the
    target must start with one slash and hold no control character or backslash, also once
    percent-decoded."""
    for form in (target, unquote(target)):
        if (
            not form.startswith("/")
            or form[1:2] in ("/", "\\")
            or "\\" in form
            or any(ord(c) < 32 or ord(c) == 127 for c in form)
        ):
            return "/"
    return target


async def _body(receive, limit: int) -> bytes:
    data = b""
    while True:
        message = await receive()
        data += message.get("body", b"")
        if len(data) > limit or not message.get("more_body"):
            return data[:limit]


async def _respond(send, status: int, body: bytes, headers: list) -> None:
    headers = headers + [(b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _form(target: str, message: str) -> bytes:
    note = f'<p role="alert">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>longdoc: sign in</title></head>
<body style="font-family: sans-serif; max-width: 28em; margin: 4em auto">
<h1>longdoc</h1><p>This app needs its access token.</p>{note}
<form method="post" action="{LOGIN}?next={html.escape(quote(target))}">
<label>Access token <input type="password" name="token" autofocus></label> <button type="submit">Sign in</button>
</form></body></html>""".encode()
