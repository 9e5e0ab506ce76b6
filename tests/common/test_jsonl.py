import io
import json
import tracemalloc

import pytest

from common.jsonl import RecordError, iter_records


def read(text: str, *, binary: bool = True, chunk_size: int = 64 * 1024):
    fileobj = io.BytesIO(text.encode()) if binary else io.StringIO(text)
    return list(iter_records(fileobj, chunk_size=chunk_size))


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
def test_a_json_array_yields_each_object_with_the_line_it_starts_on(binary):
    body = (
        '[\n  {"external_id": "a"},\n  {\n    "external_id": "b"\n  },\n  {"external_id": "c"}\n]\n'
    )

    records = read(body, binary=binary)

    assert records == [
        (2, {"external_id": "a"}),
        (3, {"external_id": "b"}),
        (6, {"external_id": "c"}),
    ]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
def test_json_lines_yield_each_object_with_its_line_number_skipping_blank_lines(binary):
    body = '{"external_id": "a"}\n\n   \r\n{"external_id": "b"}\r\n{"external_id": "c"}'

    records = read(body, binary=binary)

    assert records == [
        (1, {"external_id": "a"}),
        (4, {"external_id": "b"}),
        (5, {"external_id": "c"}),
    ]


def test_a_bad_json_line_is_reported_on_its_line_and_the_good_lines_are_kept():
    body = '{"external_id": "a"}\n{"external_id": "b",}\n[1, 2]\n{"external_id": "c"}\n'

    records = read(body)

    assert records[0] == (1, {"external_id": "a"})
    line, error = records[1]
    assert line == 2 and isinstance(error, RecordError)
    assert error.field == "record" and "not valid JSON" in error.reason
    assert records[2] == (3, RecordError("record", "expected a JSON object, got an array"))
    assert records[3] == (4, {"external_id": "c"})


def test_an_array_element_that_is_not_an_object_is_reported_and_reading_goes_on():
    records = read('[{"a": 1},\n"oops",\n{"a": 2}]')

    assert records == [
        (1, {"a": 1}),
        (2, RecordError("record", "expected a JSON object, got a string")),
        (3, {"a": 2}),
    ]


def test_a_syntax_error_inside_an_array_keeps_the_elements_before_it():
    records = read('[{"a": 1},\n{"a": 2,,}, {"a": 3}]')

    assert records[0] == (1, {"a": 1})
    assert records[1][0] == 2 and "not valid JSON" in records[1][1].reason
    assert len(records) == 2


@pytest.mark.parametrize(
    "body",
    [
        "hello, world\nthis is not JSON",
        "[" * 100_000,
        '[{"a": 1}, {"b": ',
        '{"a": NaN}',
        '{"a": -Infinity}',
        "\x00\x01\x02 binary",
    ],
    ids=["prose", "deep-nesting", "truncated-array", "nan", "infinity", "binary"],
)
def test_a_body_that_is_not_json_yields_errors_instead_of_raising(body):
    records = read(body)

    assert records
    assert any(isinstance(value, RecordError) for _, value in records)
    assert all(isinstance(value, RecordError | dict) for _, value in records)


def test_undecodable_bytes_inside_a_string_reach_validation_instead_of_aborting_the_file():
    body = b'{"external_id": "caf\xe9"}\n{"external_id": "ok"}\n'

    records = list(iter_records(io.BytesIO(body)))

    assert [line for line, _ in records] == [1, 2]
    assert records[1] == (2, {"external_id": "ok"})


def test_an_empty_or_blank_body_yields_nothing():
    assert read("") == []
    assert read(" \n\n ") == []


def test_a_utf8_byte_order_mark_is_ignored():
    records = list(iter_records(io.BytesIO('\ufeff[{"label": "café"}]'.encode())))

    assert records == [(1, {"label": "café"})]


def test_records_cut_across_read_chunks_are_put_back_together():
    objects = [{"id": n, "value": n * 1.5, "text": "x" * (n % 7)} for n in range(200)]
    lines = "\n".join(json.dumps(o) for o in objects)
    array = json.dumps(objects, indent=1)

    for chunk_size in (1, 3, 17, 4096):
        assert [v for _, v in read(lines, chunk_size=chunk_size)] == objects
        assert [v for _, v in read(array, chunk_size=chunk_size)] == objects


class _GeneratedFile(io.RawIOBase):
    """`count` objects as a JSON array or JSON Lines, produced as they are read and
    never held whole."""

    def __init__(self, count: int, *, array: bool) -> None:
        self._pieces = self._generate(count, array)
        self._pending = b""

    @staticmethod
    def _generate(count: int, array: bool):
        if array:
            yield b"[\n"
        for n in range(count):
            record = {"external_id": f"dp-{n}", "streams": [{"key": "cam"}], "pad": "x" * 200}
            separator = b",\n" if array and n < count - 1 else b"\n"
            yield json.dumps(record).encode() + separator
        if array:
            yield b"]\n"

    def read(self, size: int = -1) -> bytes:
        while len(self._pending) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._pending += piece
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


@pytest.mark.parametrize("array", [True, False], ids=["array", "lines"])
def test_reading_a_large_file_keeps_memory_flat(array):
    count = 20_000  # about 5 MB of JSON
    tracemalloc.start()
    try:
        seen = 0
        for _, record in iter_records(_GeneratedFile(count, array=array), chunk_size=64 * 1024):
            assert isinstance(record, dict)
            seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == count
    assert peak < 1_000_000
