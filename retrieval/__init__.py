"""retrieval: documents in (PDF with OCR, DOCX, PPTX, EPUB, HTML, text, Markdown), citable chunks out,
hybrid BM25 + dense search."""

from .chunking import Chunk, ChunkSettings, chunk_document
from .dense import Embedder, SentenceTransformerEmbedder, default_embedder
from .document import Document, Page, load_document
from .errors import (
    CorruptDocumentError,
    CorruptPDFError,
    DocumentAccessError,
    DocumentError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncodingDetectionError,
    EncryptedPDFError,
    IndexCacheError,
    MissingDecoderError,
    ParseLimitError,
    RetrievalError,
    ScannedPDFError,
    UnsupportedDocumentError,
)
from .index import DocumentIndex, EmptyQueryError, SearchHit
from .pdf import PDFLimits

__all__ = [
    "Chunk",
    "ChunkSettings",
    "chunk_document",
    "Embedder",
    "SentenceTransformerEmbedder",
    "default_embedder",
    "Document",
    "Page",
    "load_document",
    "CorruptDocumentError",
    "CorruptPDFError",
    "DocumentAccessError",
    "DocumentError",
    "DocumentNotFoundError",
    "DocumentTooLargeError",
    "EmptyDocumentError",
    "EncodingDetectionError",
    "EncryptedPDFError",
    "IndexCacheError",
    "MissingDecoderError",
    "ParseLimitError",
    "RetrievalError",
    "ScannedPDFError",
    "UnsupportedDocumentError",
    "DocumentIndex",
    "EmptyQueryError",
    "SearchHit",
    "PDFLimits",
]
