import math

import numpy as np

from retrieval.analysis import terms
from retrieval.bm25 import BM25

TEXTS = [
    "The harbour master inspects the ships every morning.",
    "Ships and boats: the harbour is full of ships today, many ships.",
    "A recipe for bread with rye flour and caraway seeds.",
    "Bread, bread and more bread: the bakery sells bread.",
    "Nothing about either topic here, only mountains and snow.",
]


def reference_scores(texts, query, k1=1.2, b=0.75, idf_power=2):
    """Okapi BM25 written out term by term (Lucene idf, raised to idf_power)."""
    docs = [terms(t) for t in texts]
    avgdl = sum(map(len, docs)) / len(docs)
    out = []
    for doc in docs:
        score = 0.0
        for term in set(terms(query)):
            df = sum(term in d for d in docs)
            if df == 0:
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            score += idf**idf_power * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        out.append(score)
    return np.array(out)


def test_scores_equal_the_formula():
    index = BM25.build(TEXTS)
    for query in ("harbour ships", "rye bread bakery", "snowy mountain", "unknown words only"):
        np.testing.assert_allclose(index.scores(query), reference_scores(TEXTS, query), rtol=1e-5, atol=1e-6)
    plain = BM25.build(TEXTS, idf_power=1)
    np.testing.assert_allclose(plain.scores("rye bread"), reference_scores(TEXTS, "rye bread", idf_power=1), rtol=1e-5)


def test_ranking_and_stemming():
    index = BM25.build(TEXTS)
    assert np.argmax(index.scores("inspecting harbours")) == 0  # stems: inspecting~inspects, harbours~harbour
    assert index.scores("the and of").sum() == 0  # stop words only


def test_terms_are_multilingual():
    assert terms("Ｒｕｎｎｉｎｇ RUNS") == ["run", "run"]  # full-width folded, case folded, stemmed
    assert terms("长江很长") == ["长", "江", "很", "长", "长江", "江很", "很长"]
    assert terms("Größe café") == ["grösse", "café"]  # casefolded (ß = ss), non-ASCII words not stemmed
    index = BM25.build(["长江是亚洲最长的河流。", "黄河是中国第二长的河流。", "东京是日本的首都。"])
    assert np.argmax(index.scores("亚洲最长的河")) == 0
    assert np.argmax(index.scores("日本首都")) == 2


def test_save_and_load_round_trip(tmp_path):
    index = BM25.build(TEXTS)
    index.save(tmp_path)
    loaded = BM25.load(tmp_path, len(TEXTS))
    np.testing.assert_array_equal(loaded.scores("bread harbour"), index.scores("bread harbour"))
