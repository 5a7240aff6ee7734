"""A langchain-core `BaseRetriever` over a DocumentIndex; metadata carry page and offsets."""

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LangchainDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .index import DocumentIndex


class LongdocRetriever(BaseRetriever):
    """`LongdocRetriever(index=DocumentIndex.build(doc), k=5).invoke(question)`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: Any  # DocumentIndex (Any: pydantic need not inspect it)
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LangchainDocument]:
        """The best `k` chunks (default: the retriever's `k`), as langchain Documents."""
        index: DocumentIndex = self.index
        return [
            LangchainDocument(
                page_content=hit.text,
                metadata={
                    "source": index.document.name,
                    "document_id": index.document.id,
                    "chunk": hit.chunk.index,
                    "page": hit.page,
                    "page_label": hit.page_label,
                    "char_start": hit.char_start,
                    "char_end": hit.char_end,
                    "score": hit.score,
                },
            )
            for hit in index.search(query, k=k or self.k)
        ]
