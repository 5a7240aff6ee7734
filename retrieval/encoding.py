"""Bytes to text: UTF-8 and BOM-marked Unicode first, then detection by charset-normalizer."""
import codecs

from .errors import EncodingDetectionError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, *, name: str = "text") -> tuple[str, str]:
    """Return (text, encoding name). Raises EncodingDetectionError when no encoding fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise EncodingDetectionError(
            f"{name}: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and no other common "
            "encoding fits; is it a binary file? Convert it to UTF-8 (e.g. `iconv -f <enc> -t utf-8`)."
        )
    # Short Western texts fit several code pages about equally; Windows-1252 is by far the most
    # common of them (WHATWG makes it the default for legacy Latin text), so it wins near-ties.
    best = min(matches, key=lambda m: m.chaos)
    near = [m for m in matches if m.chaos <= best.chaos + 0.1 and m.encoding == "cp1252"]
    chosen = near[0] if near else best
    return str(chosen), chosen.encoding
