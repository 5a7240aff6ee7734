"""Typed errors of retrieval; each message says what the user can do about it."""


class RetrievalError(Exception):
    """Base class of every error retrieval raises on purpose."""


class DocumentError(RetrievalError, ValueError):
    """A document that cannot be read; nothing was indexed."""


class DocumentNotFoundError(DocumentError, FileNotFoundError):
    """A path that does not exist."""


class DocumentAccessError(DocumentError, PermissionError):
    """A file this process may not read, or one outside the folders it may read from."""


class EmptyDocumentError(DocumentError):
    """A file or text with nothing in it."""


class DocumentTooLargeError(DocumentError):
    """A file over the configured size limit."""


class UnsupportedDocumentError(DocumentError):
    """A file type retrieval cannot read (only PDF, plain text and Markdown)."""


class EncodingDetectionError(DocumentError, UnicodeError):
    """Text whose character encoding could not be determined."""


class EncryptedPDFError(DocumentError):
    """A PDF that needs a password (the empty password was tried)."""


class CorruptDocumentError(DocumentError):
    """A file of a known format whose structure cannot be read (a damaged DOCX, EPUB, PPTX, PDF)."""


class CorruptPDFError(CorruptDocumentError):
    """A PDF whose structure pypdf cannot read."""


class ScannedPDFError(DocumentError):
    """A PDF without extractable text: pages are images and need OCR."""


class MissingDecoderError(DocumentError):
    """A PDF compressed with a filter whose optional decoder is not installed (e.g. Brotli)."""


class ParseLimitError(DocumentError):
    """Parsing ran past its time or memory limit (a hostile or pathological file)."""


class IndexCacheError(RetrievalError, OSError):
    """A cache directory that cannot be written."""
