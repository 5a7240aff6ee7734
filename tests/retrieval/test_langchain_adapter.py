import functools
from pathlib import Path

from langchain_core.documents import Document as LangchainDocument
from langchain_tests.integration_tests import RetrieversIntegrationTests

from retrieval import ChunkSettings, DocumentIndex, load_document
from retrieval.langchain_adapter import LongdocRetriever


def test_retriever_returns_documents_with_citations():
    text = "\n\n".join(
        ["Grain prices rose in the spring after the floods."] * 30
        + ["The ferry to Halloway Island leaves at 07:40 every weekday."]
        + ["Grain prices fell again in autumn."] * 30
    )
    document = load_document(text, filename="notes.txt")
    retriever = LongdocRetriever(
        index=DocumentIndex.build(document, embedder=None, settings=ChunkSettings(60, 6, 30)), k=2
    )
    results = retriever.invoke("When does the Halloway ferry depart, whatever grain prices do?")
    assert len(results) == 2 and all(isinstance(r, LangchainDocument) for r in results)
    top = results[0]
    assert "07:40" in top.page_content
    meta = top.metadata
    assert document.text[meta["char_start"] : meta["char_end"]] == top.page_content
    assert (meta["page"], meta["page_label"], meta["source"], meta["document_id"]) == (1, "1", "notes.txt", document.id)
    assert meta["score"] > results[1].metadata["score"]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-reference-excerpt.md"


@functools.cache
def example_index() -> DocumentIndex:
    """The README's example document, indexed with BM25 and the real MiniLM."""
    return DocumentIndex.build(load_document(EXAMPLE))


class TestLongdocRetrieverStandard(RetrieversIntegrationTests):
    """langchain-tests' standard retriever suite."""

    @property
    def retriever_constructor(self):
        return LongdocRetriever

    @property
    def retriever_constructor_params(self):
        return {"index": example_index()}

    @property
    def retriever_query_example(self):
        return "What is the secret access code for the Lisbon office?"
