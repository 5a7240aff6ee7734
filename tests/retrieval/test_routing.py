"""Routing a question to the documents of a large collection that may answer it: by their whole
texts (in any language), their names and (once built) their dense segment vectors; profiles
cached on disk and nothing in a damaged or foreign profile file trusted."""

import numpy as np
import pytest

from retrieval import DocumentIndex, load_document
from retrieval.dense import default_embedder
from retrieval.routing import SEGMENTS, Profiles, route, segment_vectors

from ..agent.scripted import filler

CITIES = ["Porto", "Lyon", "Graz", "Bergen", "Turku", "Gdansk", "Malaga", "Bari", "Utrecht", "Ghent"]


def offices():
    return [
        load_document(
            f"Office report.\n\n{filler(2, k)}\n\nThe {city} office opened in {1990 + k}.\n", filename=f"office-{k}.txt"
        )
        for k, city in enumerate(CITIES)
    ]


def routed(documents, query, profiles=None, k=3, names=None, **dense):
    names = names or [[d.name] for d in documents]
    return route(documents, names, profiles or Profiles(), query, k, **dense)


def test_the_documents_holding_the_questions_rare_terms_come_first():
    documents = offices()
    assert routed(documents, "When did the Graz office open?")[0] == CITIES.index("Graz")
    assert len(routed(documents, "When did the Graz office open?", k=4)) == 4  # the rest follow: k always given
    assert routed(documents, "nothing matches zyzzyva") == [0, 1, 2]  # no term known: the first, in order


def test_texts_in_other_languages_and_scripts_route_too():
    documents = [
        load_document(text, filename=f"d{k}.txt")
        for k, text in enumerate(
            [
                "Der Umsatz der Filiale in Linz stieg im Jahr 2022 deutlich.\n",
                "東京支店の売上は二〇二二年に増加した。\n",
                "Le chiffre d'affaires de l'agence de Nantes a baissé en 2021.\n",
            ]
        )
    ]
    assert routed(documents, "Wie entwickelte sich der Umsatz in Linz?", k=1) == [0]
    assert routed(documents, "東京支店の売上は?", k=1) == [1]
    assert routed(documents, "Quel chiffre d'affaires à Nantes ?", k=1) == [2]


def test_a_documents_name_routes_when_the_texts_are_alike():
    documents = [
        load_document(f"Annual report.\n\nRevenue grew by {k} percent.\n", filename=f"r{k}.txt") for k in range(6)
    ]
    names = [[f"reports/report-{2018 + k}.pdf"] for k in range(6)]
    assert routed(documents, "What did the 2021 report say about revenue?", names=names, k=1) == [3]


def test_segment_vectors_route_a_paraphrase_no_term_matches():
    embedder = default_embedder()
    documents = [
        load_document(text, filename=f"d{k}.txt")
        for k, text in enumerate(
            [
                "The cafeteria serves soup and sandwiches at noon.\n",
                "Our branch in the harbour district was shut down last spring after losses.\n",
                "Employees may park in the garage behind the building.\n",
            ]
        )
    ]
    profiles = Profiles()
    for document in documents:
        assert profiles.add_vectors(document, DocumentIndex.build(document, embedder=embedder))
    query = "Which location ceased operations?"
    vector = embedder.encode([query])[0]
    assert routed(documents, query, profiles, k=1, query_vector=vector, embedder=embedder.name) == [1]
    # vectors of another embedder are not compared with this query's
    assert routed(documents, query, profiles, k=3, query_vector=vector, embedder="other") == [0, 1, 2]


def test_segment_vectors_are_unit_means_of_runs():
    vectors = np.random.default_rng(0).normal(size=(100, 8)).astype(np.float32)
    segments = segment_vectors(vectors)
    assert segments.shape == (SEGMENTS, 8) and np.allclose(np.linalg.norm(segments, axis=1), 1.0, atol=1e-5)
    assert segment_vectors(vectors[:5]).shape == (5, 8)  # fewer windows than segments: one each


def test_profiles_are_kept_on_disk_by_content_hash(tmp_path, monkeypatch):
    documents = offices()
    Profiles(tmp_path).of(documents[2])
    assert (tmp_path / "profiles" / f"{documents[2].id}.npz").is_file()
    monkeypatch.setattr("retrieval.routing.terms", lambda text: pytest.fail("the profile was computed again"))
    assert "graz" in Profiles(tmp_path).of(documents[2]).counts


@pytest.mark.parametrize("damage", ["garbage", "pickled", "wrong shapes", "another text"])
def test_a_damaged_or_foreign_profile_is_made_again_never_trusted(tmp_path, damage):
    documents = offices()
    path = tmp_path / "profiles" / f"{documents[0].id}.npz"
    Profiles(tmp_path).of(documents[0])
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not a zip")
    elif damage == "pickled":
        np.savez(
            path,
            terms=np.array([object()], dtype=object),
            counts=np.array([1]),
            vectors=np.zeros((0, 0)),
            meta=np.array("{}"),
        )
    elif damage == "wrong shapes":
        np.savez(
            path,
            terms=np.array(["porto", "lyon"]),
            counts=np.array([1]),
            vectors=np.zeros((0, 0), np.float32),
            meta=np.array('{"version": 1}'),
        )
    else:  # another document's profile under this one's name
        Profiles(tmp_path).of(documents[5])
        (tmp_path / "profiles" / f"{documents[5].id}.npz").replace(path)
    profile = Profiles(tmp_path).of(documents[0])
    assert "porto" in profile.counts and "malaga" not in profile.counts
    assert path.is_file()  # made again
