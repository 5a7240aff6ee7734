"""Haystacks: exact lengths, needles at sentence boundaries at their token depths, the user's files."""

import bisect
import re

import pytest

from niah import Haystack, HaystackTooShortError
from retrieval import DocumentError
from retrieval.tokens import RegexTokenCounter
from tests.retrieval.pdfs import text_pdf

COUNTER = RegexTokenCounter()
NEEDLE = "The special magic number for Belsozu is 4821937."


@pytest.fixture(scope="module")
def shipped():
    return Haystack.shipped(COUNTER, 20_000)


@pytest.mark.parametrize("depth", [0, 10, 33, 50, 90, 100])
def test_a_needle_sits_at_a_sentence_boundary_at_its_token_depth(shipped, depth):
    placed = shipped.place(8000, [NEEDLE], [depth])
    a, b = placed.needle_spans[0]
    assert placed.text[a:b] == NEEDLE
    assert a == 0 or re.search(r"([.!?:;][\"')\]]*\s|\n)$", placed.text[:a])  # a sentence or line ended there
    assert abs(placed.tokens - 8000) <= 2  # the needle's tokens are part of the length
    starts = COUNTER.token_starts(placed.text)
    assert placed.token_depths[0] == pytest.approx(100 * bisect.bisect_left(starts, a) / len(starts), abs=0.01)
    assert placed.token_depths[0] == pytest.approx(depth, abs=3)  # the nearest boundary is close in this text


def test_several_needles_keep_their_order_of_depth_and_their_spans(shipped):
    needles = [f"The special magic number for Key{i} is {1000000 + i}." for i in range(4)]
    placed = shipped.place(4000, needles, [75, 5, 50, 5])
    assert [placed.text[a:b] for a, b in placed.needle_spans] == needles
    assert placed.token_depths[1] < placed.token_depths[2] < placed.token_depths[0]


def test_a_short_haystack_is_refused_unless_repeating_is_asked():
    short = Haystack("One sentence here. Another one there.\n" * 20, COUNTER, "tiny.txt")
    with pytest.raises(HaystackTooShortError, match=r"fewer than the 5,000 asked.*--repeat"):
        short.place(5000, [NEEDLE], [50])
    repeated = Haystack(short.text, COUNTER, "tiny.txt", repeat=True).place(5000, [NEEDLE], [50])
    assert abs(repeated.tokens - 5000) <= 2 and NEEDLE in repeated.text


def test_the_users_files_and_folders_are_the_haystack(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("# Harbour log\n\nThe tide came in at noon.\n", encoding="utf-8")
    (tmp_path / "notes" / "b.txt").write_bytes("Der Hafen öffnet früh.\n".encode("latin-1"))
    (tmp_path / "notes" / "skip.bin").write_bytes(b"\x00\x01")
    (tmp_path / "report.pdf").write_bytes(text_pdf(["Page one of the report.", "Page two of the report."]))
    stack = Haystack.from_paths([tmp_path / "notes", tmp_path / "report.pdf"], COUNTER)
    assert "tide came in" in stack.text and "öffnet" in stack.text and "Page two" in stack.text
    assert "\x00" not in stack.text


def test_unreadable_haystacks_say_why(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(HaystackTooShortError, match="no readable files"):
        Haystack.from_paths([tmp_path / "empty"], COUNTER)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    with pytest.raises(DocumentError):
        Haystack.from_paths([tmp_path / "broken.pdf"], COUNTER)
