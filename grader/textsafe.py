"""Student-controlled text made safe to store, show and use in file names.

Students control their file names (any bytes, up to 255 of them), the messages of the
exceptions their code raises, and every string their notebook hands back. Three rules:

* :func:`clean_text` -- where such a string ENTERS the grader: lone surrogates (a
  non-UTF-8 file name, ``"\\udc80"`` in an exception message) become U+FFFD, control and
  bidirectional-override characters become visible escapes (``\\x1b``, ``\\u202e``), and
  the length is capped. The result always encodes as UTF-8; cleaning twice changes nothing.
* :func:`safe_stem` -- a file name stem made from an id: printable, at most
  :data:`STEM_BYTES` UTF-8 bytes, no leading dot or dash, no ``/``; an id that had to be
  changed gets ``~`` and a hash of the original, so different ids give different names.
* :func:`csv_cell` -- a spreadsheet cell that cannot start a formula (OWASP "CSV
  injection"): text starting with ``= + - @``, a tab or a carriage return (or their
  full-width forms) gets a leading ``'``; plain numbers stay numbers.
"""

from __future__ import annotations

import hashlib
import re

TEXT_LIMIT = 2000  # characters kept of a message (a single line by default)
STEM_BYTES = 100  # UTF-8 bytes of a file name stem, before ``~`` and the hash
HASH_CHARS = 16  # hex digits of the hash that keeps changed names apart
SURROGATES = re.compile("[\ud800-\udfff]")
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS = re.compile("[\t\n\r]")
NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.IGNORECASE)
STEM_UNSAFE = re.compile("[^\\w .,()+@#-]|[\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    if match.group() in NAMED_ESCAPES:
        return NAMED_ESCAPES[match.group()]
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_text(text, limit: int = TEXT_LIMIT, *, multiline: bool = False) -> str:
    """``text`` (any object; ``str()`` of non-strings) as safe text of at most ``limit`` characters.

    ``multiline`` keeps newlines and tabs (tracebacks, public test messages); otherwise
    they are escaped too, so the result is one line.
    """
    text = text if isinstance(text, str) else _str(text)
    text = SURROGATES.sub("\ufffd", text[:limit + 1])
    if multiline:
        text = text.replace("\r\n", "\n")
    text = CONTROLS.sub(_escape, text)
    if not multiline:
        text = LINE_BREAKS.sub(_escape, text)
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + "\u2026"


def _str(value) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a hostile __str__ still yields a readable placeholder
        return f"<unprintable {type(value).__name__}>"


def short_hash(text: str) -> str:
    """:data:`HASH_CHARS` hex digits of sha256 of ``text`` (any str, lone surrogates included)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``limit`` bytes."""
    encoded = text.encode("utf-8", "replace")[:limit]
    return encoded.decode("utf-8", "ignore")


def safe_stem(name: str) -> str:
    """A file name stem for ``name`` (an id): ``name`` itself when already safe, else a
    cleaned, truncated form plus ``~`` and a hash of ``name`` (length <= 100 + 17 bytes)."""
    stem = _cut_bytes(STEM_UNSAFE.sub("_", name).lstrip(".-"), STEM_BYTES)
    if stem == name and stem:
        return stem
    return f"{stem}~{short_hash(name)}"


def csv_cell(value):
    """``value`` as a CSV cell no spreadsheet runs as a formula (numbers unchanged)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START) \
            or PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def csv_row(row: dict) -> dict:
    """Every cell of ``row`` through :func:`clean_text` (one line) and :func:`csv_cell`."""
    return {key: csv_cell(clean_text(value, 10_000) if isinstance(value, str) else value)
            for key, value in row.items()}
