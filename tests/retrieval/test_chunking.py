import numpy as np
import pytest

from retrieval import ChunkSettings, chunk_document, load_document
from retrieval.tokens import RegexTokenCounter

SETTINGS = ChunkSettings(max_tokens=120, overlap_tokens=20, snippet_tokens=40)
COUNTER = RegexTokenCounter()


def n_tokens(text: str) -> int:
    return len(COUNTER.token_starts(text))


def prose(paragraphs: int, sentences: int = 6) -> str:
    return "\n\n".join(
        " ".join(
            f"Paragraph {p} sentence {s} tells of the river barge number {p * 100 + s} and its cargo."
            for s in range(sentences)
        )
        for p in range(paragraphs)
    )


def check_invariants(document, chunks, settings=SETTINGS):
    """Exact offsets, bounded size, every word covered, windows inside their chunk."""
    covered = np.zeros(len(document.text), dtype=bool)
    for chunk in chunks:
        assert chunk.text == document.text[chunk.char_start : chunk.char_end]
        assert chunk.text == chunk.text.strip()
        assert n_tokens(chunk.text) <= settings.max_tokens
        covered[chunk.char_start : chunk.char_end] = True
        for start, end in chunk.snippets:
            assert chunk.char_start <= start < end <= chunk.char_end
            assert n_tokens(document.text[start:end]) <= settings.snippet_tokens
        page = document.pages[chunk.page - 1]
        assert page.char_start <= chunk.char_start < chunk.char_end <= page.char_end  # one page each
        assert chunk.page_label == page.label
    uncovered = "".join(document.text[i] for i in np.flatnonzero(~covered))
    assert not uncovered.strip(), f"text outside every chunk: {uncovered[:80]!r}"
    starts = [c.char_start for c in chunks]
    assert starts == sorted(starts)


def test_paragraphs_and_sentences_are_respected_with_overlap():
    document = load_document(prose(12))
    chunks = chunk_document(document, SETTINGS)
    check_invariants(document, chunks)
    assert len(chunks) > 5
    for chunk in chunks:  # every chunk starts and ends at a sentence boundary
        assert chunk.text.startswith("Paragraph") and chunk.text.endswith("cargo.")
    # consecutive chunks share a little text (the overlap), never most of it
    overlaps = [max(0, a.char_end - b.char_start) for a, b in zip(chunks, chunks[1:])]
    assert any(overlaps)
    assert all(
        n_tokens(document.text[b.char_start : b.char_start + o]) <= SETTINGS.overlap_tokens
        for (a, b), o in zip(zip(chunks, chunks[1:]), overlaps)
    )
    # a chunk ends at a paragraph break whenever one lies past its middle
    paragraph_ends = {i for i in range(len(document.text)) if document.text.startswith("\n\n", i)}
    assert sum(c.char_end in paragraph_ends for c in chunks[:-1]) >= len(chunks) // 2


def test_pages_are_tracked():
    pages = [prose(3, 3) for _ in range(4)]
    document = load_document("\f".join(pages))
    chunks = chunk_document(document, SETTINGS)
    check_invariants(document, chunks)
    assert {c.page for c in chunks} == {1, 2, 3, 4}


def test_chinese_without_spaces():
    sentence = "长江是亚洲最长的河流，全长约六千三百公里，流经十一个省级行政区。"
    document = load_document(sentence * 40)
    chunks = chunk_document(document, SETTINGS)
    check_invariants(document, chunks)
    assert len(chunks) >= 8
    assert all(c.text.endswith("。") for c in chunks)  # cut at full stops, not inside words


def test_one_line_of_a_million_characters():
    words = [f"w{i % 977}x" for i in range(200_000)]
    document = load_document(" ".join(words))  # 1.2M characters, no line break, no punctuation
    assert len(document.text) > 1_000_000
    settings = ChunkSettings()
    chunks = chunk_document(document, settings)
    check_invariants(document, chunks, settings)
    sizes = [c.n_tokens for c in chunks]
    assert min(sizes[:-1]) > settings.max_tokens // 2  # full chunks, not slivers
    assert all(document.text[c.char_start - 1] == " " for c in chunks[1:])  # cut between words


def test_table_of_numbers_keeps_rows_whole():
    rows = ["| year | region | units | revenue |", "|---|---|---|---|"]
    rows += [
        f"| {1990 + i % 30} | R{i % 7} | {i * 37 % 1000} | {i * 7919 % 100000}.{i % 100:02d} |" for i in range(400)
    ]
    document = load_document("\n".join(rows), filename="table.md")
    chunks = chunk_document(document, SETTINGS)
    check_invariants(document, chunks)
    for chunk in chunks:
        assert chunk.text.startswith("|") and chunk.text.endswith("|")


def test_model_tokenizer_counts(smollm_tokenizer):
    document = load_document(prose(10))
    chunks = chunk_document(document, SETTINGS, tokenizer=smollm_tokenizer)
    for chunk in chunks:
        exact = len(smollm_tokenizer(chunk.text, add_special_tokens=False)["input_ids"])
        assert abs(chunk.n_tokens - exact) <= 3  # whitespace merges differently in and out of context
        assert exact <= SETTINGS.max_tokens + 3
    # the regex default would pack differently: the model's own counts were used
    assert [c.n_tokens for c in chunks] != [c.n_tokens for c in chunk_document(document, SETTINGS)]


def test_settings_are_checked():
    with pytest.raises(ValueError):
        ChunkSettings(max_tokens=100, overlap_tokens=60)
    with pytest.raises(ValueError):
        ChunkSettings(max_tokens=100, snippet_tokens=200)


def _table_pdf(rows) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    pdf.add_page()
    pdf.multi_cell(0, 5, "Table 3. Shipments by port.")
    with pdf.table() as table:
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(value)
    return bytes(pdf.output())


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_chunk_inside_a_table_carries_its_header_row(kind):
    from retrieval import load_document
    from retrieval.chunking import snippet_texts
    from tests.retrieval.office import docx_file

    rows = [["Port", "Tonnes", "Ships"]] + [[f"Harbour{n}", str(100 + n), str(n % 7)] for n in range(60)]
    if kind == "pdf":
        document = load_document(_table_pdf(rows), filename="ports.pdf")
    else:
        document = load_document(
            docx_file([("Shipments", ["Table 3. Shipments by port."])], table_after=0, table=rows),
            filename="ports.docx",
        )
    assert "Port | Tonnes | Ships\nHarbour0 | 100 | 0" in document.text  # rows as cells, the header first
    chunks = chunk_document(document, ChunkSettings(max_tokens=60, overlap_tokens=0, snippet_tokens=30))
    import re

    row = re.compile(r"Harbour\d+ \| \d+ \| \d")
    below = [c for c in chunks if c.text.startswith("Harbour")]
    assert len(below) >= 3 and chunks[0].header == ""
    for chunk in below:  # whole rows only, read with the header row
        assert chunk.header == "Port | Tonnes | Ships" and all(row.fullmatch(line) for line in chunk.text.split("\n"))
    searched = [text for text in snippet_texts(document, chunks) if "Harbour40 |" in text]
    assert searched and all(text.startswith("Port | Tonnes | Ships\n") for text in searched)
