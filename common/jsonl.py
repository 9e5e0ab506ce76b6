"""Streaming reader for uploads of many JSON objects: a JSON array or JSON Lines.

Imports can be hundreds of megabytes, so the file is never read whole: JSON Lines are
split chunk by chunk, and a JSON array is decoded one element at a time with
`json.JSONDecoder.raw_decode` over a rolling buffer. Every problem becomes a
`RecordError` on the physical line where it starts; nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

CHUNK_SIZE = 256 * 1024
# One record larger than this is refused unread, so a file without newlines (or a
# binary file sent by mistake) cannot make the reader hold all of it in memory.
MAX_RECORD_CHARS = 16 * 1024 * 1024
_WHITESPACE = " \t\r\n"
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one line or array element could not be read as an object."""

    field: str
    reason: str


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# NaN and Infinity are accepted by Python's json but by no database JSON column.
_decoder = json.JSONDecoder(parse_constant=_reject_constant)
_loads: Callable[[str], Any] = _decoder.decode


def _not_an_object(value: Any) -> RecordError:
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
    return RecordError("record", f"expected a JSON object, got {kind}")


def _syntax_error(exc: Exception, *, column: bool = True) -> RecordError:
    if isinstance(exc, json.JSONDecodeError):
        where = f" (column {exc.colno})" if column else ""
        return RecordError("record", f"not valid JSON: {exc.msg}{where}")
    if isinstance(exc, RecursionError):
        return RecordError("record", "not valid JSON: nested too deeply")
    return RecordError("record", f"not valid JSON: {exc}")


def _text_chunks(fileobj: IO[Any], chunk_size: int) -> Iterator[str]:
    """Yield the file as text chunks, decoding bytes as UTF-8 (BOM dropped). Bytes
    that are not UTF-8 become lone surrogates (surrogateescape): the record holding
    them fails validation naming its field, instead of the whole upload failing to
    decode or the bytes being silently replaced."""
    decoder = None
    first = True
    while True:
        chunk = fileobj.read(chunk_size)
        if isinstance(chunk, bytes | bytearray | memoryview):
            if decoder is None:
                decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
            text = decoder.decode(bytes(chunk), final=not chunk)
        else:
            text = chunk or ""
        if first and text:
            first = False
            if text.startswith(_BOM):
                text = text[1:]
        if text:
            yield text
        if not chunk:
            return


def iter_records(
    fileobj: IO[Any], *, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[int, dict | RecordError]]:
    """Yield (line number, object or RecordError) for every record of a JSON array or
    JSON Lines file, binary or text. The format is a JSON array when the first
    non-whitespace character is '['. Memory stays flat in the size of the file."""
    chunks = _text_chunks(fileobj, chunk_size)
    head = ""
    for chunk in chunks:
        head += chunk
        if head.lstrip(_WHITESPACE):
            break
    stripped = head.lstrip(_WHITESPACE)
    if not stripped:
        return
    if stripped[0] == "[":
        yield from _iter_array(head, chunks)
    else:
        yield from _iter_lines(head, chunks)


def _iter_lines(head: str, chunks: Iterator[str]) -> Iterator[tuple[int, dict | RecordError]]:
    line_number = 0
    for line, too_long in _split_lines(head, chunks):
        line_number += 1
        if too_long:
            yield (
                line_number,
                RecordError("record", f"the line is longer than {MAX_RECORD_CHARS} characters"),
            )
            continue
        if not line or line.isspace():
            continue
        try:
            value = _loads(line)
        except (ValueError, RecursionError) as exc:
            yield line_number, _syntax_error(exc)
            continue
        yield line_number, value if type(value) is dict else _not_an_object(value)


def _split_lines(head: str, chunks: Iterator[str]) -> Iterator[tuple[str, bool]]:
    """Yield (line, too_long) for each physical line; an overlong line is dropped
    while it is read and reported once."""
    pending: list[str] = []
    pending_size = 0
    too_long = False

    def feed(chunk: str) -> Iterator[tuple[str, bool]]:
        nonlocal pending, pending_size, too_long
        pieces = chunk.split("\n")
        for piece in pieces[:-1]:
            if too_long or pending_size + len(piece) > MAX_RECORD_CHARS:
                yield "", True
            elif pending:
                pending.append(piece)
                yield "".join(pending), False
            else:
                yield piece, False
            pending, pending_size, too_long = [], 0, False
        last = pieces[-1]
        if last and not too_long:
            pending_size += len(last)
            if pending_size > MAX_RECORD_CHARS:
                pending, too_long = [], True
            else:
                pending.append(last)

    yield from feed(head)
    for chunk in chunks:
        yield from feed(chunk)
    if too_long:
        yield "", True
    elif pending:
        yield "".join(pending), False


def _iter_array(head: str, chunks: Iterator[str]) -> Iterator[tuple[int, dict | RecordError]]:
    """Decode `[obj, obj, ...]` one element at a time. After a syntax error the next
    element cannot be found reliably, so reading stops there with that error."""
    buffer = head
    eof = False
    pos = buffer.index("[") + 1
    line = 1 + buffer.count("\n", 0, pos)
    counted_to = pos  # newlines before this index are already in `line`
    expect_element = True  # after '[' or ','
    first_element = True

    def more(min_chars: int = 0) -> bool:
        """Append at least one chunk (or min_chars) to the buffer, dropping what was
        consumed; False at end of file."""
        nonlocal buffer, pos, counted_to, eof
        if eof:
            return False
        advance_line(pos)
        buffer = buffer[pos:]
        counted_to -= pos
        pos = 0
        parts = [buffer]
        added = 0
        for chunk in chunks:
            parts.append(chunk)
            added += len(chunk)
            if added >= min_chars:
                break
        else:
            eof = True
        buffer = "".join(parts)
        return added > 0

    def skip_whitespace() -> bool:
        """Move pos to the next non-whitespace character; False at end of input."""
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in _WHITESPACE:
                pos += 1
            if pos < len(buffer):
                return True
            if not more():
                return False

    def advance_line(to: int) -> int:
        nonlocal line, counted_to
        line += buffer.count("\n", counted_to, to)
        counted_to = to
        return line

    while True:
        if not skip_whitespace():
            yield advance_line(pos), RecordError("record", "the JSON array is not closed")
            return
        char = buffer[pos]
        if char == "]" and (first_element or not expect_element):
            pos += 1
            break
        if not expect_element:
            if char == ",":
                pos += 1
                expect_element = True
                continue
            yield (
                advance_line(pos),
                RecordError(
                    "record", f"expected ',' or ']' between array elements, found {char!r}"
                ),
            )
            return
        element_line = advance_line(pos)
        while True:
            try:
                value, end = _decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                incomplete = exc.pos >= len(buffer) - 16 or exc.msg.startswith("Unterminated")
                if incomplete and not eof and len(buffer) - pos <= MAX_RECORD_CHARS:
                    more(len(buffer) - pos)
                    continue
                if len(buffer) - pos > MAX_RECORD_CHARS:
                    error = RecordError(
                        "record", f"the element is longer than {MAX_RECORD_CHARS} characters"
                    )
                elif exc.pos >= len(buffer) - 1 or exc.msg.startswith("Unterminated"):
                    error = RecordError("record", "not valid JSON: the input ends inside it")
                else:
                    error = _syntax_error(exc, column=False)
                yield element_line, error
                return
            except (ValueError, RecursionError) as exc:
                yield element_line, _syntax_error(exc, column=False)
                return
            # A value ending exactly at the buffer's end may be a number cut in two.
            if end < len(buffer) or eof:
                break
            more()
        pos = end
        first_element = False
        expect_element = False
        yield element_line, value if type(value) is dict else _not_an_object(value)

    if skip_whitespace():
        yield (
            advance_line(pos),
            RecordError("record", "unexpected content after the closing ']' of the array"),
        )
