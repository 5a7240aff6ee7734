"""The app as users meet it: `streamlit run ui/app.py` on 127.0.0.1, driven in Debian's chromium by
Playwright. The needle page shows a published run; the Ask page answers about an uploaded PDF with
the real embedded model (slow)."""

import os
import shutil
from pathlib import Path

import pytest

from ui.cli import command

from ..retrieval.pdfs import text_pdf
from .serving import free_port, start, stop

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "niah" / "model-gpu-dca"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    server = start(command(port, "127.0.0.1", 64), {**os.environ, "HF_HUB_OFFLINE": "1"}, log)
    yield f"http://127.0.0.1:{port}"
    stop(server)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with playwright.sync_playwright() as p:
        # a fresh profile, as Chromium starts on these machines
        context = p.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium"),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 1600},
        )
        yield context
        context.close()


def test_needle_results_load_in_the_app(app_url, browser, tmp_path):
    page = browser.new_page()
    page.goto(f"{app_url}/needles?run={PUBLISHED}")
    page.get_by_text("Effective context", exact=True).wait_for(timeout=60_000)
    heatmap = page.locator("[data-testid='stImage'] img").first
    heatmap.wait_for(timeout=60_000)
    assert heatmap.evaluate("img => img.complete && img.naturalWidth") > 300
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() in ("below 4K", "4,096 tokens")
    page.locator("[data-testid='stDataFrame']").nth(1).wait_for(timeout=60_000)  # every cell's output
    page.screenshot(path=tmp_path / "needles.png", full_page=True)
    page.goto(f"{app_url}/needles?run=/etc/passwd")
    page.get_by_text("PathNotAllowedError").wait_for(timeout=60_000)
    page.close()


@pytest.mark.slow
def test_the_embedded_model_answers_an_uploaded_pdf_with_a_citation(app_url, browser, tmp_path):
    pages = [
        f"Chapter {n}. The harbour ledger records cargo of salt, cloth and copper for the season of {1700 + n}. "
        "Clerks counted barrels at dawn and again at dusk."
        for n in range(1, 5)
    ]
    pages[2] += " The secret access code for the Lisbon office is 58213."
    pdf = tmp_path / "ledger.pdf"
    pdf.write_bytes(text_pdf(pages))
    page = browser.new_page()
    page.goto(app_url)
    page.locator("[data-testid='stFileUploaderDropzone'] input[type='file']").set_input_files(str(pdf))
    page.get_by_text("4 page(s)").wait_for(timeout=120_000)
    question = page.locator("[data-testid='stChatInputTextArea']")
    question.fill("What is the secret access code for the Lisbon office?")
    question.press("Enter")
    citation = page.get_by_text("page 3, characters")
    citation.wait_for(timeout=600_000)
    answer = page.locator("[data-testid='stChatMessage']").nth(1).inner_text()
    assert "58213" in answer and "Lisbon office is 58213" in answer  # the answer and its verified quote
    page.get_by_role("button", name="Show page 3").click()  # the citation opens its page, the quote highlighted
    caption = page.get_by_text("Page 3: the quote highlighted")
    caption.wait_for(timeout=60_000)
    assert "(0 box(es))" not in caption.inner_text()
    picture = page.locator("[data-testid='stImage'] img").first
    picture.wait_for(timeout=60_000)
    assert picture.evaluate("img => img.complete && img.naturalWidth") > 300
    page.screenshot(path=tmp_path / "ask.png", full_page=True)
    page.close()


@pytest.mark.slow
def test_several_uploads_are_asked_together_the_ticked_ones_only_with_follow_ups(app_url, browser, tmp_path):
    q1, q2 = tmp_path / "first-quarter.txt", tmp_path / "second-quarter.txt"
    q1.write_text("Quarterly report.\n\nIn the first quarter the Tagus company carried 41,000 tonnes of freight.\n")
    q2.write_text("Quarterly report.\n\nIn the second quarter the Tagus company carried 47,500 tonnes of freight.\n")
    page = browser.new_page()
    page.goto(app_url)
    page.get_by_text("Several documents", exact=True).click()
    page.get_by_text("Up to 20 documents, asked together").wait_for(timeout=60_000)
    page.locator("[data-testid='stFileUploaderDropzone'] input[type='file'][multiple]").set_input_files(
        [str(q1), str(q2)]
    )
    page.get_by_text("2 documents: the question reads those ticked").wait_for(timeout=120_000)
    question = page.locator("[data-testid='stChatInputTextArea']")
    question.fill("How many tonnes of freight did the company carry in the first quarter?")
    question.press("Enter")
    page.get_by_text("first-quarter.txt, page 1, characters").wait_for(timeout=600_000)
    question.fill("And in the second quarter?")  # a follow-up, read with the turn before it
    question.press("Enter")
    page.get_by_text("Asked as: How many tonnes of freight did the company carry in the second quarter?").wait_for(
        timeout=600_000
    )
    page.get_by_text("second-quarter.txt, page 1, characters").wait_for(timeout=600_000)
    page.locator("[data-testid='stCheckbox']").filter(has_text="second-quarter.txt").click()  # untick: the first only
    question.fill("How many tonnes of freight did the company carry in the second quarter?")
    question.press("Enter")
    page.locator("[data-testid='stChatMessage']").nth(5).wait_for(timeout=600_000)
    last = page.locator("[data-testid='stChatMessage']").nth(5).inner_text()
    assert "second-quarter.txt" not in last and "47,500" not in last
    page.screenshot(path=tmp_path / "collection.png", full_page=True)
    page.close()
