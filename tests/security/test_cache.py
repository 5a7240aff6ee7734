"""A damaged or edited cache is rebuilt with a warning, never served and never a crash: each
file of a parsed document and of an index is damaged here, by accident (bytes cut or flipped)
and on purpose (contents crafted with their checksums updated), and the next load must give the
same answers as a fresh build. Killed writers' temporaries are swept."""

import json
import logging
import os
import time

import pytest

from agent.windows import effective_window, save_measurement
from retrieval import load_document

from .bounds import run_bounded
from .hostile_cache import DAMAGES, answers, answers_with_warnings, build, folder_of, text


@pytest.mark.parametrize("name", DAMAGES)
def test_a_damaged_index_is_rebuilt_with_a_warning(name, tmp_path):
    cache = tmp_path / "cache"
    fresh = answers(cache)
    DAMAGES[name](folder_of(cache))
    outcome = run_bounded(answers_with_warnings, cache)  # a fresh process: a crash would show
    assert outcome.error is None, str(outcome)
    reopened, warnings = outcome.value
    assert reopened == fresh
    assert any("is damaged" in w and "rebuilding" in w for w in warnings), warnings
    assert outcome.seconds < 10
    assert answers_with_warnings(cache) == (fresh, [])  # rebuilt: opens cleanly again


@pytest.mark.parametrize("edit", ["text", "pages", "garbage"])
def test_an_edited_parsed_document_is_not_served(edit, tmp_path, caplog):
    cache = tmp_path / "cache"
    load_document(text(), filename="quelmont.txt", cache_dir=cache)
    (path,) = cache.glob("document-*.json")
    payload = json.loads(path.read_text())
    if edit == "text":
        payload["text"] = payload["text"].replace("418 meteors", "999 meteors")
    elif edit == "pages":
        payload["pages"][0][3] = 10**9
    path.write_text(json.dumps(payload) if edit != "garbage" else '{"version": 2, "id": ')
    with caplog.at_level(logging.WARNING, logger="retrieval"):
        document = load_document(text(), filename="quelmont.txt", cache_dir=cache)
    assert "418 meteors" in document.text and "999" not in document.text
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    assert json.loads(path.read_text())["text"] == document.text  # rewritten


def test_killed_writers_temporaries_are_swept_and_live_ones_kept(tmp_path):
    from retrieval import cache as cache_module

    cache = tmp_path / "cache"
    build(cache)
    folder = folder_of(cache)
    old = time.time() - 2 * cache_module.STALE_AFTER_S
    stale = [cache / ".document-abc.json.x1y2", cache / f".{folder.name}.k3j4", folder / ".dense-1.npy.77.1.5"]
    stale[0].write_bytes(b"{half")
    stale[1].mkdir()
    (stale[1] / "chunks.json").write_text("[")
    stale[2].write_bytes(b"\x93NUMPY")
    live = cache / ".document-def.json.a1b2"
    live.write_bytes(b"{being written")
    for path in stale:
        os.utime(path, (old, old))
    cache_module._swept.clear()  # as in a new process
    build(cache)
    assert not any(p.exists() for p in stale) and live.exists()


def test_a_damaged_effective_context_file_falls_back(tmp_path):
    path = tmp_path / "effective-context.json"
    for content in [
        '{"m|plain": null}',
        '{"m|plain": -5}',
        '{"m|plain": 1e12}',
        "[1, 2]",
        '{"m|plain": "4096"}',
        "\x00\x01",
    ]:
        path.write_text(content)
        tokens, source = effective_window("m", "plain", 8192, path)
        assert (tokens, source) == (8192, "the nominal window (no needle measurement for this model and settings)"), (
            content
        )
    save_measurement("m", "plain", 4096, path)
    assert effective_window("m", "plain", 8192, path)[0] == 4096


@pytest.mark.parametrize("kind", ["fifo", "link"])
def test_a_parsed_document_that_is_a_pipe_or_a_link_is_read_again(kind, tmp_path):
    cache = tmp_path / "cache"
    fresh = load_document(text(), filename="a.txt", cache_dir=cache).text
    (path,) = cache.glob("document-*.json")
    path.unlink()
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/etc/hostname")  # a FIFO hung `longdoc ask` 300 s
    outcome = run_bounded(reload_text, cache, timeout=30)
    assert outcome.error is None and outcome.value == fresh and outcome.seconds < 5, str(outcome)
    assert path.is_file() and not path.is_symlink()  # rebuilt as a real cache file


def reload_text(cache):
    return load_document(text(), filename="a.txt", cache_dir=cache).text


def test_a_served_folders_killed_upload_temporaries_are_swept(tmp_path):
    from longdoc.documents import DocumentStore

    folder = tmp_path / "served"
    folder.mkdir()
    stale = folder / ".abc.json.tmp"
    stale.write_bytes(b"half an upload")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    os.mkfifo(folder / ("f" * 64))  # a pipe posing as a document
    (folder / ("f" * 64 + ".json")).write_text(json.dumps({"name": "x.txt", "bytes": 1, "created": 1}))
    store = DocumentStore(folder, embedder=None)
    assert not stale.exists()
    assert store.get("f" * 64) is None and store.listing() == []
