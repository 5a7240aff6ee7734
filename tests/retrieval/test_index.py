import threading

import numpy as np
import pytest

from retrieval import ChunkSettings, DocumentIndex, EmptyQueryError, RetrievalError, load_document
from retrieval import bm25 as bm25_module
from retrieval import index as index_module
from retrieval.dense import default_embedder

SETTINGS = ChunkSettings(max_tokens=150, overlap_tokens=15, snippet_tokens=60)
FILLER = [
    "The municipal archive keeps records of council meetings, land sales and weather observations.",
    "Clerks copied every ledger twice, and the copies were stored in a separate building.",
    "In the nineteenth century the town grew around the wool trade and the river crossing.",
    "The museum displays looms, dye vats and samples of cloth from several centuries.",
    "School children visit each spring to learn how the mills were powered by water.",
]
FACT = "The astronomer Ilse Varnhagen catalogued 1,204 comets from her rooftop in Grenzfeld."


def haystack(paragraphs: int = 60, fact_at: int = 41) -> str:
    body = [" ".join(FILLER[(p + i) % 5] for i in range(4)) for p in range(paragraphs)]
    body[fact_at] = body[fact_at] + " " + FACT
    return "\n\n".join(body)


@pytest.fixture(scope="module")
def document():
    return load_document(haystack(), filename="archive.txt")


def holds_fact(hit, document):
    start = document.text.index(FACT)
    return hit.char_start <= start and start + len(FACT) <= hit.char_end


def test_bm25_only_finds_the_fact_with_citable_fields(document):
    index = DocumentIndex.build(document, embedder=None, settings=SETTINGS)
    assert index.dense_ready is False and index.wait() is False  # nothing to wait for
    hits = index.search("How many comets did Varnhagen record?", k=3)
    assert len(hits) == 3 and holds_fact(hits[0], document)
    top = hits[0]
    assert top.text == document.text[top.char_start : top.char_end]
    assert top.page == 1 and top.page_label == "1" and top.bm25_rank == 1 and top.dense_rank is None
    assert hits[0].score > hits[1].score
    with pytest.raises(EmptyQueryError):
        index.search("  ")
    assert index.search("zzzz qqqq") == []  # nothing matches: nothing returned, no error


def test_hybrid_finds_a_paraphrase_bm25_cannot(document):
    index = DocumentIndex.build(document, settings=SETTINGS)
    assert index.dense_ready
    question = "Which stargazer counted over a thousand celestial objects?"  # no word shared with the fact
    assert not any(
        holds_fact(h, document)
        for h in DocumentIndex.build(document, embedder=None, settings=SETTINGS).search(question, k=5)
    )
    hits = index.search(question, k=5)
    assert any(holds_fact(h, document) and h.dense_rank is not None for h in hits)


def test_cache_reopens_without_recomputing(document, tmp_path, monkeypatch):
    stages = []
    built = DocumentIndex.build(
        document, cache_dir=tmp_path, settings=SETTINGS, progress=lambda s, f: stages.append((s, f))
    )
    assert [s for s, f in stages if f == 1.0] == ["chunk", "bm25", "embed"]
    embed = [f for s, f in stages if s == "embed"]
    assert embed == sorted(embed) and embed[-1] == 1.0
    [folder] = tmp_path.glob("index-*")
    assert not [p for p in tmp_path.rglob(".*")]  # temporary files renamed away

    def forbidden(*args, **kwargs):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(index_module, "chunk_document", forbidden)
    monkeypatch.setattr(bm25_module.BM25, "build", forbidden)
    monkeypatch.setattr(index_module.DenseIndex, "build", forbidden)
    reopened = DocumentIndex.build(document, cache_dir=tmp_path, settings=SETTINGS)
    assert reopened.dense_ready and len(reopened) == len(built)
    query = "comet catalogue of Grenzfeld"
    assert [(h.char_start, h.score) for h in reopened.search(query)] == [
        (h.char_start, h.score) for h in built.search(query)
    ]
    # other settings are another cache entry
    with pytest.raises(AssertionError, match="recomputed"):
        DocumentIndex.build(document, cache_dir=tmp_path, settings=ChunkSettings(max_tokens=200))
    # the same file read into another text (a newer parser) is another entry, never the old chunks
    from dataclasses import replace

    reread = replace(document, text=document.text.replace("Varnhagen", "Varnhagen-Ost"))
    with pytest.raises(AssertionError, match="recomputed"):
        DocumentIndex.build(reread, cache_dir=tmp_path, settings=SETTINGS)


def test_damaged_cache_is_rebuilt(document, tmp_path, caplog):
    DocumentIndex.build(document, embedder=None, cache_dir=tmp_path, settings=SETTINGS)
    [folder] = tmp_path.glob("index-*")
    (folder / "bm25.npz").write_bytes(b"not numpy")
    index = DocumentIndex.build(document, embedder=None, cache_dir=tmp_path, settings=SETTINGS)
    assert holds_fact(index.search("Varnhagen comets")[0], document)
    assert "rebuilding" in caplog.text


def test_background_build_answers_before_dense_is_ready(document):
    gate = threading.Event()
    real = default_embedder()

    class SlowEmbedder:
        name = real.name

        def encode(self, texts, progress=None):
            if len(texts) > 1:  # the build, not a query
                gate.wait(30)
            return real.encode(texts, progress)

    index = DocumentIndex.build(document, embedder=SlowEmbedder(), settings=SETTINGS, background=True)
    assert not index.dense_ready
    hits = index.search("Varnhagen comets")  # answered by BM25 meanwhile
    assert holds_fact(hits[0], document) and hits[0].dense_rank is None
    gate.set()
    assert index.wait(60) is True
    assert index.search("Varnhagen comets")[0].dense_rank is not None


def test_background_failure_is_reported_and_bm25_goes_on(document):
    class BrokenEmbedder:
        name = "broken"

        def encode(self, texts, progress=None):
            raise RuntimeError("out of memory while embedding")

    index = DocumentIndex.build(document, embedder=BrokenEmbedder(), settings=SETTINGS, background=True)
    with pytest.raises(RetrievalError, match="out of memory"):
        index.wait(30)
    assert holds_fact(index.search("Varnhagen comets")[0], document)


def test_pdf_pages_are_cited(tmp_path):
    from .pdfs import rewrite, text_pdf

    pages = [" ".join(FILLER) for _ in range(5)]
    pages[3] = pages[3] + " " + FACT
    document = load_document(rewrite(text_pdf(pages), roman_front_pages=1), filename="archive.pdf")
    [top] = DocumentIndex.build(document, embedder=None, settings=SETTINGS).search("Varnhagen comets", k=1)
    assert (top.page, top.page_label) == (4, "3")
    assert "Varnhagen" in top.text


def test_fusion_keeps_each_rankings_leader(document):
    index = DocumentIndex.build(document, embedder=None, settings=SETTINGS)
    # chunk 7 is BM25's clear first but unseen by the dense ranking; 1-4 are middling in both
    hits = index_module.fuse(index.chunks, [7, 1, 2, 3, 4], [1, 2, 3, 4, 9], k=3)
    assert 7 in [h.chunk.index for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    plain_rrf_top3 = {1, 2, 3}  # what reciprocal rank alone would return
    assert {h.chunk.index for h in hits} != plain_rrf_top3


def test_background_embedding_pauses_while_an_answer_is_generated(document):
    from retrieval.dense import BACKGROUND_SLICE, foreground

    real, calls = default_embedder(), []

    class CountingEmbedder:
        name = real.name

        def encode(self, texts, progress=None):
            calls.append(len(texts))
            return real.encode(texts, progress)

    with foreground():  # a generation is under way: the build waits before its first slice
        index = DocumentIndex.build(document, embedder=CountingEmbedder(), settings=SETTINGS, background=True)
        assert index.wait(0.5) is False and calls == []
        assert holds_fact(index.search("Varnhagen comets")[0], document)  # BM25 meanwhile
    assert index.wait(60) is True
    windows = sum(len(c.snippets) for c in index.chunks)
    assert sum(c for c in calls if c > 1) == windows and max(calls) <= BACKGROUND_SLICE


def test_the_embedder_is_fp32_on_cpu_and_its_dtype_keys_the_cache():
    # bf16 MiniLM reordered close candidates on an AVX512-BF16 CPU: never chosen silently
    from retrieval.dense import SentenceTransformerEmbedder

    fp32, bf16 = default_embedder(), SentenceTransformerEmbedder(dtype="bfloat16")
    assert (
        next(fp32.model.parameters()).dtype.is_floating_point
        and str(next(fp32.model.parameters()).dtype) == "torch.float32"
    )
    assert str(next(bf16.model.parameters()).dtype) == "torch.bfloat16"
    assert fp32.name != bf16.name and bf16.name.endswith(":bfloat16")


def test_every_embedder_dtype_runs_here_and_stays_close_to_fp32():
    # each path forced, whatever this CPU has: bf16 is emulated where AVX512-BF16 is absent
    from retrieval.dense import SentenceTransformerEmbedder

    texts = [
        "The plant began manufacturing bicycles in 1952.",
        "Ledger of grain, wool and timber shipments.",
        "Verkauf von Fahrrädern ab 1952.",
    ]
    reference = default_embedder().encode(texts)
    names = {default_embedder().name}
    for dtype, closest in (("bfloat16", 0.98), ("int8", 0.85)):  # int8 drifts more: 0.91 on the German line
        embedder = SentenceTransformerEmbedder(dtype=dtype)
        vectors = embedder.encode(texts)
        assert vectors.dtype == np.float32 and np.allclose(
            np.linalg.norm(vectors, axis=1), 1, atol=5e-3
        )  # bf16 keeps 3 digits
        assert (np.sum(vectors * reference, axis=1) > closest).all(), dtype  # the same meaning, not the same bits
        names.add(embedder.name)
    assert len(names) == 3  # three cache keys
    with pytest.raises(ValueError, match="choose float32"):
        SentenceTransformerEmbedder(dtype="float16")


def test_pages_are_found_by_their_titles_and_captions_and_search_stays_within():
    from .pdfs import statement_pdf
    from .test_pdf_tables import CASH_FLOWS

    pages = [
        {
            "prose": "Notes to the accounts. Inventories are stated at cost.",
            "rows": [["Goods", "1", "2"], ["Other", "3", "4"]],
        },
        dict(CASH_FLOWS, title="Consolidated Balance Shee t"),
        CASH_FLOWS,
    ]  # pypdf cuts words: "Shee t"
    document = load_document(statement_pdf(pages), filename="s.pdf")
    index = DocumentIndex.build(document, embedder=None, settings=SETTINGS)
    on_page = lambda chunks: sorted({index.chunks[c].page for c in chunks})
    assert on_page(index.chunks_about("cash flow statement")) == [3]
    assert on_page(index.chunks_about("balance sheet")) == [2]
    assert on_page(index.chunks_about("notes to the accounts")) == [1]
    assert index.chunks_about("income statement") == [] and index.chunks_about("the") == []
    within = index.chunks_about("cash flow statement")
    assert {h.page for h in index.search("purchases of property", k=5, within=within)} == {3}
    assert {h.page for h in index.search("purchases of property", k=5)} == {2, 3}
    dense = DocumentIndex.build(document, settings=SETTINGS)  # the dense ranking keeps within too
    hits = dense.search("money spent on new factories", k=5, within=within)
    assert hits and {h.page for h in hits} == {3} and any(h.dense_rank for h in hits)


def test_the_dense_index_serves_when_its_cache_folder_was_removed_meanwhile(document, tmp_path, monkeypatch, caplog):
    # a script's temporary cache dir removed at exit, while the background build still ran
    import shutil

    save = index_module._save_dense

    def removed_first(folder, embedder, dense):
        shutil.rmtree(folder)
        save(folder, embedder, dense)

    monkeypatch.setattr(index_module, "_save_dense", removed_first)
    index = DocumentIndex.build(
        document, embedder=default_embedder(), settings=SETTINGS, cache_dir=tmp_path, background=True
    )
    assert index.wait(120) is True and index.dense_error is None
    assert "dense index failed" not in caplog.text
    assert holds_fact(index.search("Varnhagen comets")[0], document)


def test_the_rows_a_query_names_in_full_are_found_most_specific_first():
    text = (
        "Overview of the year.\n\n"
        "Cash flows (in millions)\n\n| | 2024 | 2023\nNet income | 612 | 587\nOther - net | 4 | 3\n"
        "Net cash used in investing activities | (1,315) | (1,361)\n"
    )
    index = DocumentIndex.build(load_document(text.encode(), filename="cash.txt"), embedder=None, settings=SETTINGS)
    assert {labels for labels, _ in index.row_labels()} == {
        frozenset({"net", "incom"}),
        frozenset({"other", "net"}),
        frozenset({"net", "cash", "use", "invest", "activ"}),
    }  # each row's first cell, as terms; the header row has none
    named = index.rows_named("What was net cash used in investing activities in 2024?")
    assert named and all("investing activities" in index.chunks[c].text for c in named)
    assert index.rows_named("How was the weather?") == []
