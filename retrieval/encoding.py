"""Bytes to text: BOM-marked Unicode, UTF-16/32 told by their zero bytes, UTF-8, then detection by
charset-normalizer."""

import codecs

from .errors import EncodingDetectionError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _wide_unicode(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where its zero bytes fall: text in
    Latin scripts has a zero byte in every other (UTF-16) or three of every four (UTF-32)
    positions, always on the same side. UTF-8 text has no zero bytes at all."""
    sample = data[: 1 << 16]
    sample = sample[: len(sample) // 4 * 4]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    zeros = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    candidates = []
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9:
        candidates.append("utf-32-le")
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9:
        candidates.append("utf-32-be")
    if min(zeros[1], zeros[3]) > 0.3 and max(zeros[0], zeros[2]) < 0.05:
        candidates.append("utf-16-le")
    if min(zeros[0], zeros[2]) > 0.3 and max(zeros[1], zeros[3]) < 0.05:
        candidates.append("utf-16-be")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(c.isprintable() or c in "\n\t\r\f" for c in text[:4096])
        if printable >= 0.95 * min(len(text), 4096):
            return encoding
    return None


def decode_text(data: bytes, *, name: str = "text") -> tuple[str, str]:
    """Return (text, encoding name). Raises EncodingDetectionError when no encoding fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if wide := _wide_unicode(data):
        return data.decode(wide), wide
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
