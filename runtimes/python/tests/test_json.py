"""JSON as awslambdaric writes and reads it (simplejson), through the _json fast path and through
the exact pure-Python path the runtime falls back to."""

import collections
import decimal
import enum
import importlib
import sys

import pytest

from fake_runtime_api import BOOTSTRAP

sys.path.insert(0, str(BOOTSTRAP.parent))
bootstrap = importlib.import_module("bootstrap")

Point = collections.namedtuple("Point", "x y")


class Color(enum.IntEnum):
    RED = 1


class Tagged(list):
    def _asdict(self):
        return {"tagged": list(self)}


@pytest.fixture(params=["accelerated", "pure"])
def codec(request, monkeypatch):
    """The bootstrap module, with the _json accelerator or without it, encoding as on python3.12."""
    bootstrap._rare("JSON", "to_json_exactly")  # compiles the exact JSON code, so that it can be patched
    monkeypatch.setattr(bootstrap, "_ENSURE_ASCII", False)
    monkeypatch.setattr(bootstrap, "_escape_string", None)
    monkeypatch.setattr(bootstrap, "_fast_encode", None)
    monkeypatch.setattr(bootstrap, "_event_scanner", None)
    monkeypatch.setattr(bootstrap, "_header_scanner", None)
    if request.param == "pure":
        monkeypatch.setattr(bootstrap, "_c_json", False)
    return bootstrap


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param({"a": [1, 2.5, None, True]}, '{"a": [1, 2.5, null, true]}', id="separators"),
        pytest.param(decimal.Decimal("1.10"), "1.10", id="decimal keeps its digits"),
        pytest.param([decimal.Decimal("NaN"), decimal.Decimal("-Infinity")], "[NaN, -Infinity]", id="decimal specials"),
        pytest.param([float("nan"), float("inf"), -float("inf")], "[NaN, Infinity, -Infinity]", id="float specials"),
        pytest.param(Point(1, 2), '{"x": 1, "y": 2}', id="namedtuple as object"),
        pytest.param(Tagged([1]), '{"tagged": [1]}', id="_asdict before list"),
        pytest.param({"b": b"caf\xc3\xa9"}, '{"b": "café"}', id="bytes as text"),
        pytest.param({b"k": 1, 2: 3, 1.5: 4, None: 5, True: 6}, '{"k": 1, "2": 3, "1.5": 4, "null": 5, "true": 6}', id="keys"),
        pytest.param((1, (2,)), "[1, [2]]", id="tuples as arrays"),
        pytest.param({"c": Color.RED}, '{"c": 1}', id="int enum"),
        pytest.param("é\u2028\x00", '"é\u2028\\u0000"', id="not ascii"),
        pytest.param(collections.OrderedDict(b=1, a=2), '{"b": 1, "a": 2}', id="dict subclass"),
    ],
)
def test_encodes_as_awslambdaric(codec, value, expected):
    assert codec.to_json(value) == expected


def test_encodes_non_ascii_as_escapes_before_python312(codec, monkeypatch):
    monkeypatch.setattr(codec, "_ENSURE_ASCII", True)

    assert codec.to_json({"é": "\U0001f600"}) == '{"\\u00e9": "\\ud83d\\ude00"}'


@pytest.mark.parametrize(
    "value, message",
    [
        ({1}, "Object of type set is not JSON serializable"),
        ({(1,): 1}, "keys must be str, int, float, bool or None, not tuple"),
        ({decimal.Decimal(1): 1}, "keys must be str, int, float, bool or None, not decimal.Decimal"),
        ([b"\xff"], "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ],
)
def test_refuses_what_awslambdaric_refuses(codec, value, message):
    with pytest.raises((TypeError, ValueError)) as error:
        codec.to_json(value)
    assert str(error.value) == message


def test_finds_circular_references(codec):
    cycle = []
    cycle.append(cycle)

    with pytest.raises(ValueError, match="^Circular reference detected$"):
        codec.to_json({"a": cycle})


@pytest.mark.parametrize(
    "document, value",
    [
        (b' {"a": [1, 2.5, -0, 1e2, "\\u00e9\\ud83d\\ude00"], "b": null} ', {"a": [1, 2.5, 0, 100.0, "é\U0001f600"], "b": None}),
        (b"\xef\xbb\xbf[1]", [1]),
        (b'"\\ud800x"', "\ud800x"),
    ],
)
def test_decodes_as_simplejson(codec, document, value):
    assert codec.parse_event(document) == value


@pytest.mark.parametrize(
    "document, message",
    [
        (b"[1 2]", "Expecting ',' delimiter or ']': line 1 column 4 (char 3)"),
        (b'{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        (b'{"a": 1,}', "Illegal trailing comma before end of object: line 1 column 9 (char 8)"),
        (b'"a\x01"', "Invalid control character '\\x01' at: line 1 column 3 (char 2)"),
        (b'"\\x"', "Invalid \\X escape sequence '\\\\': line 1 column 2 (char 1)"),
        (b'"\\u12"', "Invalid \\uXXXX escape sequence: line 1 column 2 (char 1)"),
        (b"[\n Infinity]", "Expecting value: line 2 column 2 (char 3)"),
        (b"1.", "Extra data: line 1 column 2 - line 1 column 3 (char 1 - 2)"),
    ],
)
def test_decoding_errors_have_simplejsons_messages(codec, document, message):
    with pytest.raises(ValueError) as error:
        codec.parse_event(document)
    assert str(error.value) == message


def test_header_json_is_read_like_the_standard_library(codec):
    parse_header_json = codec._rare("JSON", "parse_header_json")
    assert parse_header_json('{"a": NaN}')["a"] != 0
    with pytest.raises(ValueError, match="^Extra data: line 1 column 4 \\(char 3\\)$"):
        parse_header_json("{} x")
