"""A collection's documents: folders walked in name order without following links, read by
content hash (same bytes once, changed files again), unreadable files listed with their typed
error; and the documents' indexes searched on one scale."""

import os

import pytest

from retrieval import DocumentIndex
from retrieval.collection import CollectionTooLargeError, Sources, search_together

from ..agent.scripted import filler
from .pdfs import text_pdf


def folder_of(tmp_path, files: dict) -> str:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(tmp_path)


def test_a_folder_is_read_in_order_and_what_cannot_be_read_is_listed(tmp_path):
    folder = folder_of(
        tmp_path,
        {
            "b.txt": "The Porto office closed in 2020.\n",
            "a.pdf": text_pdf(["The Lisbon office opened in 1987."]),
            "sub/c.md": "# Notes\n\nThe Faro office opened in 1979.\n",
            "broken.pdf": b"%PDF-1.7 not really",
            "empty.txt": "  \n",
            ".hidden.txt": "never read\n",
            ".git/config": "never read\n",
        },
    )
    os.symlink("/etc/passwd", tmp_path / "passwd.txt")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")  # a link back up: the walk does not go round
    sources = Sources([folder])
    members = sources.refresh()
    assert [os.path.relpath(m.name, folder) for m in members] == ["a.pdf", "b.txt", "sub/c.md"]
    skipped = {os.path.relpath(s.name, folder): s.error.split(":")[0] for s in sources.skipped}
    assert skipped == {
        "broken.pdf": "CorruptPDFError",
        "empty.txt": "EmptyDocumentError",
        "passwd.txt": "a symbolic link",
        "sub/loop": "a symbolic link",
    }


def test_the_same_bytes_are_one_document_and_changes_are_read_again(tmp_path):
    folder = folder_of(
        tmp_path,
        {"q1.txt": "Revenue was 4,100.\n", "copy-of-q1.txt": "Revenue was 4,100.\n", "q2.txt": "Revenue was 5,300.\n"},
    )
    sources = Sources([folder])
    first = sources.refresh()
    assert len(first) == 2 and sorted(os.path.basename(n) for n in first[0].names) == ["copy-of-q1.txt", "q1.txt"]
    (tmp_path / "q2.txt").write_text("Revenue was 6,000.\n")
    os.remove(tmp_path / "copy-of-q1.txt")
    again = sources.refresh()
    assert [os.path.basename(m.name) for m in again] == ["q1.txt", "q2.txt"]
    assert "6,000" in again[1].document.text and again[0].document is first[0].document  # unchanged: not re-read


def test_a_folder_of_too_many_files_is_refused_before_any_is_read(tmp_path):
    folder = folder_of(tmp_path, {f"f{i:05d}.txt": "x\n" for i in range(1_001)})
    with pytest.raises(CollectionTooLargeError, match="more than 1,000 files"):
        Sources([folder]).refresh()
    with pytest.raises(CollectionTooLargeError):
        Sources([str(tmp_path / "f00001.txt")] * 11, max_files=10).refresh()


def test_bytes_text_and_documents_join_paths(tmp_path):
    folder = folder_of(tmp_path, {"a.txt": "The Lisbon office opened in 1987.\n"})
    members = Sources([folder, b"The Porto office closed in 2020.\n", "The Faro office\nopened in 1979.\n"]).refresh()
    assert len(members) == 3 and members[1].name == "document 2"


def test_documents_are_searched_together_on_one_scale(tmp_path):
    from retrieval import load_document

    small = load_document("The office is closed on Sundays.\n\nThe cafeteria opens at noon.\n", filename="small.txt")
    large = load_document(f"{filler(40)}\n\nThe Lisbon office code is 58213.\n\n{filler(40, 40)}", filename="large.txt")
    sources = Sources([small, large])
    members = sources.refresh()
    indexed = [(m, DocumentIndex.build(m.document, embedder=None)) for m in members]
    hits = search_together(indexed, "What is the Lisbon office code?", 3)
    assert hits[0].member.name == "large.txt" and "58213" in hits[0].hit.text
    assert any(h.member.name == "small.txt" for h in hits)  # the other document's best is ranked too, below


def test_names_no_file_can_have_are_listed_not_raised(tmp_path):
    sources = Sources(["x" * 300, "a\x00b", str(tmp_path / "missing.pdf"), folder_of(tmp_path, {"a.txt": "Text.\n"})])
    assert len(sources.refresh()) == 1
    assert [s.error.split(":")[0] for s in sources.skipped] == ["DocumentNotFoundError"] * 3
