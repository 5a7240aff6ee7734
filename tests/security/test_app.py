"""The app as a hostile visitor and a careless operator meet it: by default it reads no file of
the server and offers only the embedded model; allowed folders cannot be left by paths, `..` or
links; beyond loopback nothing (page, websocket, upload) passes without the access token."""

import contextlib
import os
import socket
import sys
import time

import httpx
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from longdoc.cli import main  # noqa: E402
from ui import state  # noqa: E402
from ui.access import PathNotAllowedError, read_allowed  # noqa: E402
from ui.settings import SETTINGS_ENV, TOKEN_ENV, Settings  # noqa: E402

from ..agent.scripted import ScriptedBackend  # noqa: E402
from ..ui.serving import free_port, start, stop  # noqa: E402

PAGE = "from ui.ask import render\nrender()\n"
TOKEN = "correct-horse-battery-staple-42"
SECRET = "root:*:19000:0:99999:7:::"


@pytest.fixture
def folders(tmp_path):
    """An allowed folder, and beside it a secret the app must never read."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "report.txt").write_text("The vault code is 4417.\n")
    (outside / "shadow").write_text(SECRET + "\n")
    (allowed / "escape.txt").symlink_to(outside / "shadow")
    (allowed / "zero.txt").symlink_to("/dev/zero")
    (allowed / "inner-link.txt").symlink_to(allowed / "report.txt")
    return allowed.resolve(), outside.resolve()


def test_by_default_the_ask_page_reads_no_file_of_the_server(monkeypatch, tmp_path):
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    app = AppTest.from_string(PAGE, default_timeout=60).run()
    assert not app.exception
    assert app.radio[0].options == ["Upload", "Several documents", "Example document"]
    assert not app.text_input  # no box that takes a path
    assert app.sidebar.selectbox[1].options == ["embedded SmolLM2-135M-Instruct"]


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "/etc/shadow",
        "~/.ssh/id_rsa",
        "/proc/self/status",
        "/dev/zero",
        "{outside}/shadow",
        "{allowed}/../outside/shadow",
        "escape.txt",
        "zero.txt",
        "{allowed}/escape.txt",
        "../outside/shadow",
    ],
)
def test_paths_outside_the_allowed_folders_are_refused_unread(folders, path):
    allowed, outside = folders
    with pytest.raises(PathNotAllowedError) as refused:
        read_allowed(path.format(allowed=allowed, outside=outside), (allowed,))
    assert SECRET not in str(refused.value)


def test_paths_inside_the_allowed_folders_are_read(folders):
    allowed, _ = folders
    for path in [str(allowed / "report.txt"), "report.txt", "inner-link.txt", f"{allowed}/./sub/../report.txt"]:
        assert read_allowed(path, (allowed,)) == (b"The vault code is 4417.\n", "report.txt")
    with pytest.raises(PathNotAllowedError, match="reads no file of the server"):
        read_allowed(str(allowed / "report.txt"), ())


def test_the_page_refuses_an_escape_and_caches_nothing_of_it(folders, monkeypatch, tmp_path):
    allowed, outside = folders
    cache = tmp_path / "cache"
    monkeypatch.setenv(SETTINGS_ENV, Settings((allowed,), cache_dir=cache).to_env())
    shared = state.SharedAgent(state.Agent(ScriptedBackend("4417"), embedder=None, cache_dir=cache))
    monkeypatch.setattr(state, "shared_agent", lambda model="": shared)
    app = AppTest.from_string(PAGE, default_timeout=60).run()
    app.radio[0].set_value("Path on this machine").run()
    for path in [str(outside / "shadow"), "escape.txt", f"{allowed}/../outside/shadow", "/proc/self/status"]:
        app.text_input[0].input(path).run()
        assert "PathNotAllowedError" in app.error[0].value and not app.chat_input
        assert all(SECRET not in e.value for e in app.error)
    assert not cache.exists() or not list(cache.glob("document-*.json"))
    app.text_input[0].input("report.txt").run()
    assert not app.error and "report.txt: 1 page(s)" in app.caption[0].value.replace("\\", "")


def test_only_the_operators_models_are_offered(monkeypatch):
    models = ("", "/srv/models/qwen2-7b")
    monkeypatch.setenv(SETTINGS_ENV, Settings(models=models).to_env())
    app = AppTest.from_string(PAGE, default_timeout=60).run()
    assert app.sidebar.selectbox[1].options == ["embedded SmolLM2-135M-Instruct", "/srv/models/qwen2-7b"]
    with pytest.raises(state.ModelNotAllowedError):
        state.shared_agent("/etc")
    with pytest.raises(state.ModelNotAllowedError):
        state.shared_agent("Qwen/Qwen2-7B-Instruct")


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--address", "0.0.0.0"], "serves the app to the network: give it an access token"),
        (["--address", "192.168.1.20"], "give it an access token"),
        (["--address", "my-host.example"], "give it an access token"),
        (["--address", "0.0.0.0", "--auth-token", "short"], "use at least 16"),
        (["--allow-path", "/no/such/folder"], "not a folder"),
    ],
    ids=["any", "lan", "hostname", "short-token", "missing-folder"],
)
def test_the_operator_is_stopped_before_exposing_too_much(monkeypatch, capsys, argv, says):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.setattr(os, "execve", lambda *a, **k: pytest.fail("the app must not start"))
    assert main(["ui", *argv]) == 2
    assert says in capsys.readouterr().err


def test_the_operator_is_told_what_is_exposed_and_the_app_runs_offline(monkeypatch, capsys, tmp_path):
    started = {}
    monkeypatch.setattr(os, "execve", lambda path, argv, env: started.update(argv=argv, env=env))
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    main(["ui", "--address", "0.0.0.0", "--allow-path", str(tmp_path), "--model", "embedded"])  # execve: never returns
    assert started["argv"][:3] == [sys.executable, "-m", "streamlit"]
    told = capsys.readouterr().err
    assert "serves the network; visitors must give the access token" in told and str(tmp_path.resolve()) in told
    assert TOKEN not in " ".join(started["argv"])  # never on a command line others can read
    env = started["env"]
    assert env[TOKEN_ENV] == TOKEN and env["HF_HUB_OFFLINE"] == "1"
    assert Settings((tmp_path.resolve(),)).to_env().split('"models"')[0] in env[SETTINGS_ENV]


# -- the real server on every interface, behind its token ------------------------------------


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    port, log = free_port(), tmp_path_factory.mktemp("ui") / "server.log"
    argv = [sys.executable, "-m", "longdoc.cli", "ui", "--address", "0.0.0.0", "--port", str(port)]
    server = start(argv, {**os.environ, TOKEN_ENV: TOKEN}, log)
    yield f"http://127.0.0.1:{port}", log
    stop(server)
    with pytest.raises(httpx.TransportError):  # the launcher became the server: stopping it stops serving
        httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)


def upgrade(url: str, path: str, cookie: str = "") -> bytes:
    """The status line the server answers a websocket upgrade with."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        extra = f"Cookie: {cookie}\r\n" if cookie else ""
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
            ).encode()
        )
        return sock.recv(200).split(b"\r\n")[0]


def test_nothing_passes_the_gate_without_the_token(gated):
    url, log = gated
    assert "serves the network; visitors must give the access token" in log.read_text()
    with httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/longdoc/login?next=")
        for method, path in [
            ("GET", "/_stcore/host-config"),
            ("PUT", "/_stcore/upload_file/s/f"),
            ("GET", "/media/x.png"),
            ("GET", "/static/js/index.js"),
            ("GET", "/ask?run=/etc/passwd"),
        ]:
            assert client.request(method, path).status_code == 401, path
        assert b"403" in upgrade(url, "/_stcore/stream")
        assert client.get("/_stcore/health").text == "ok"


def test_a_wrong_token_waits_and_the_right_one_opens_the_app(gated):
    url, _ = gated
    with httpx.Client(base_url=url, timeout=30) as client:
        start = time.monotonic()
        wrong = client.post("/longdoc/login?next=/", data={"token": "guess"})
        assert wrong.status_code == 401 and time.monotonic() - start >= 1.0 and "not right" in wrong.text
        right = client.post("/longdoc/login?next=//attacker.example/x", data={"token": TOKEN})
        assert right.status_code == 303 and right.headers["location"] == "/"  # never off-site
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        session = cookie.split(";")[0]
        assert client.get("/", headers={"Cookie": session}).status_code == 200
        assert b"101" in upgrade(url, "/_stcore/stream", session)
        assert client.get("/_stcore/host-config", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert client.get("/_stcore/host-config", headers={"Cookie": "longdoc_session=forged"}).status_code == 401


# -- in the real browser ---------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
def browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tmp_path / "chromium", executable_path=CHROMIUM, args=FLAGS, headless=True
        )
        yield context
        context.close()


@needs_browser
def test_a_visitor_signs_in_with_the_token_in_the_browser(gated, browser):
    url, _ = gated
    page = browser.new_page()
    page.goto(f"{url}/needles")
    page.get_by_label("Access token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That token is not right.").wait_for(timeout=30_000)
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Needle-in-a-haystack results").wait_for(timeout=60_000)  # the page asked for, signed in
    assert page.url.endswith("/needles")
    page.goto(url)
    page.locator("[data-testid='stFileUploaderDropzone']").wait_for(timeout=60_000)
    assert page.get_by_text("Path on this machine").count() == 0


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def pdf_with_padding(mib: int) -> bytes:
    """A one-page PDF made large by an unused stream of random bytes (as scans and images make them)."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import StreamObject

    from ..retrieval.pdfs import text_pdf

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["The vault code is 4417."]))))
    padding = StreamObject()
    padding._data = os.urandom(mib << 20)
    writer._add_object(padding)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@contextlib.contextmanager
def app_server(tmp_path):
    """The app on a free port of 127.0.0.1, its cache in tmp_path: yields (its URL, its process id)."""
    from ui.cli import command

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", SETTINGS_ENV: Settings(cache_dir=tmp_path / "cache").to_env()}
    server = start(command(port, "127.0.0.1", 200), env, tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        stop(server)


@needs_browser
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the server's memory from /proc")
def test_an_uploads_bytes_are_let_go_once_parsed(browser, tmp_path):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(pdf_with_padding(100))
    with app_server(tmp_path) as (url, pid):
        page = browser.new_page()
        page.goto(url)
        page.locator("[data-testid='stFileUploaderDropzone']").wait_for(timeout=60_000)
        time.sleep(2)
        before = resident_mib(pid)
        page.locator("[data-testid='stFileUploaderDropzone'] input[type='file']").set_input_files(str(pdf))
        page.get_by_text("Uploaded: scan.pdf").wait_for(timeout=120_000)
        page.get_by_text("1 page(s)").wait_for(timeout=60_000)
        time.sleep(3)
        held = resident_mib(pid) - before
        assert held < 40, f"the server holds {held:.0f} MiB more after parsing a 100 MiB upload"  # kept: +100 or more


@needs_browser
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the server's memory from /proc")
def test_several_uploads_bytes_are_let_go_once_parsed(browser, tmp_path):
    pdfs = [tmp_path / f"scan-{n}.pdf" for n in range(2)]
    for pdf in pdfs:
        pdf.write_bytes(pdf_with_padding(60))
    with app_server(tmp_path) as (url, pid):
        page = browser.new_page()
        page.goto(url)
        page.get_by_text("Several documents", exact=True).click()
        page.get_by_text("Up to 20 documents, asked together").wait_for(timeout=60_000)
        time.sleep(2)
        before = resident_mib(pid)
        page.locator("[data-testid='stFileUploaderDropzone'] input[type='file'][multiple]").set_input_files(
            [str(p) for p in pdfs]
        )
        page.get_by_text("2 documents: the question reads those ticked").wait_for(timeout=120_000)
        time.sleep(3)
        held = resident_mib(pid) - before
        assert held < 40, f"the server holds {held:.0f} MiB more after parsing 120 MiB of uploads"  # kept: +120


@pytest.mark.parametrize("name", ["/etc", "/etc/passwd", "Qwen/Qwen2-7B-Instruct", "/no/such/model.gguf"])
def test_a_bad_model_is_a_typed_error_and_never_a_download(name, monkeypatch):
    import longctx

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(longctx.ModelNotFoundError):
        longctx.load_model(name)
    assert time.monotonic() - start < 10


# -- the gate and the path reader in process (issue 26's cases) ------------------------------------


async def _ok_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "/\\evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%0a/evil.example",
        "/%2509/evil.example",
        "https://evil.example",
        "%2F%2Fevil",
    ],
)
async def test_the_login_never_redirects_off_site(target):
    from ui.gate import TokenGate

    gate = TokenGate(_ok_app, TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://app") as client:
        right = await client.post(f"/longdoc/login?next={target}", data={"token": TOKEN})
    assert right.status_code == 303 and right.headers["location"] == "/"  # Location: /\t/evil.example/ before


async def test_a_local_target_survives_the_login():
    from ui.gate import TokenGate

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=TokenGate(_ok_app, TOKEN)), base_url="http://app"
    ) as c:
        right = await c.post("/longdoc/login?next=/needles%3Frun%3D3", data={"token": TOKEN})
    assert right.headers["location"] == "/needles?run=3"


async def test_wrong_bearer_tokens_wait_a_second_each():
    from ui.gate import TokenGate

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=TokenGate(_ok_app, TOKEN)), base_url="http://app"
    ) as c:
        start = time.monotonic()
        replies = [await c.get("/_stcore/host-config", headers={"Authorization": f"Bearer guess{n}"}) for n in range(3)]
        assert all(r.status_code == 401 for r in replies) and time.monotonic() - start >= 3.0  # 20 in 0.02 s before
        assert (await c.get("/", headers={"Authorization": f"Bearer {TOKEN}"})).text == "app"


def test_blank_tokens_are_refused():
    from longdoc.cli import main
    from ui.gate import TokenGate

    with pytest.raises(ValueError, match="blank"):
        TokenGate(_ok_app, " " * 16)
    assert main(["ui", "--address", "0.0.0.0", "--auth-token", " " * 16]) == 2


def test_a_nul_in_a_typed_path_is_a_typed_error(tmp_path):
    from ui.access import PathNotAllowedError, read_allowed

    for text in ("report\x00.pdf", "/etc/passwd\x00", "a\nb.txt"):
        with pytest.raises(PathNotAllowedError, match="NUL or control"):  # a traceback before
            read_allowed(text, (tmp_path,))
