"""The Server-Sent Events parser: fields, comments, line endings, and chunks cut anywhere."""

from __future__ import annotations

import pytest

from scriptbridge.logs.sse import ServerSentEvent, SseParser

STREAM = (
    b": ping\n"
    b"\n"
    b"id: 41\n"
    b"event: log\n"
    b'data: {"id": 41, "message": "caf\xc3\xa9"}\n'
    b"\n"
    b"event: dropped\n"
    b'data: {"dropped": 3}\n'
    b"\n"
    b": ping\n"
    b"id: 42\n"
    b"event: log\n"
    b"data: first line\n"
    b"data: second line\n"
    b"\n"
)
EVENTS = [
    ServerSentEvent("log", '{"id": 41, "message": "café"}', "41"),
    ServerSentEvent("dropped", '{"dropped": 3}', None),
    ServerSentEvent("log", "first line\nsecond line", "42"),
]


def feed_all(chunks: list[bytes]) -> tuple[SseParser, list[ServerSentEvent]]:
    parser = SseParser()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    return parser, events


def test_a_stream_in_one_chunk_gives_its_events_in_order() -> None:
    parser, events = feed_all([STREAM])
    assert events == EVENTS
    assert parser.last_event_id == "42"
    assert parser.comments == 2


def test_data_lines_are_joined_with_line_feeds() -> None:
    _, events = feed_all([b"data: a\ndata:b\ndata\ndata:  c\n\n"])
    assert events == [ServerSentEvent("message", "a\nb\n\n c")]


def test_comments_alone_make_no_event() -> None:
    parser, events = feed_all([b": ping\n\n: ping\n\n:\n\n"])
    assert events == []
    assert parser.comments == 3


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"])
def test_each_kind_of_line_end_separates_lines(newline: bytes) -> None:
    _, events = feed_all([STREAM.replace(b"\n", newline)])
    assert events == EVENTS


def test_mixed_line_ends_in_one_stream() -> None:
    _, events = feed_all([b"id: 7\r\nevent: log\rdata: x\n\r\n"])
    assert events == [ServerSentEvent("log", "x", "7")]


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"])
def test_chunks_cut_anywhere_give_the_same_events(newline: bytes) -> None:
    """Byte by byte, and in every two pieces: inside a line, between CR and LF, inside a
    UTF-8 character."""
    stream = STREAM.replace(b"\n", newline)
    assert feed_all([stream[i : i + 1] for i in range(len(stream))])[1] == EVENTS
    for cut in range(len(stream)):
        assert feed_all([stream[:cut], stream[cut:]])[1] == EVENTS, cut


def test_a_chunk_ending_in_cr_then_one_starting_with_lf_is_one_line_end() -> None:
    parser = SseParser()
    assert parser.feed(b"data: x\r") == []
    assert parser.feed(b"\n\r") == [ServerSentEvent("message", "x")]
    assert parser.feed(b"\ndata: y\n\n") == [ServerSentEvent("message", "y")]


def test_an_event_is_not_given_until_its_blank_line_arrives() -> None:
    parser = SseParser()
    assert parser.feed(b"id: 1\nevent: log\ndata: half") == []
    assert parser.feed(b" done\n") == []
    assert parser.feed(b"\n") == [ServerSentEvent("log", "half done", "1")]


def test_an_id_without_data_is_kept_but_makes_no_event() -> None:
    parser, events = feed_all([b"id: 5\n\ndata: x\n\n"])
    assert events == [ServerSentEvent("message", "x", None)]
    assert parser.last_event_id == "5"


def test_an_id_with_a_nul_is_ignored() -> None:
    parser, events = feed_all([b"id: 1\n\nid: 2\x003\ndata: x\n\n"])
    assert events == [ServerSentEvent("message", "x", None)]
    assert parser.last_event_id == "1"


def test_retry_and_unknown_fields() -> None:
    parser, events = feed_all([b"retry: 1500\nretry: soon\nfoo: bar\ndata: x\n\n"])
    assert events == [ServerSentEvent("message", "x")]
    assert parser.retry == 1500


def test_a_byte_order_mark_at_the_start_is_skipped() -> None:
    _, events = feed_all([b"\xef\xbb", b"\xbfdata: x\n\n"])
    assert events == [ServerSentEvent("message", "x")]


def test_a_field_name_is_exact_and_only_one_space_is_stripped() -> None:
    _, events = feed_all([b"Data: no\nevent:  spaced\ndata:x\n\n"])
    assert events == [ServerSentEvent(" spaced", "x")]
