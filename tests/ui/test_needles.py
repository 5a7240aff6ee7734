"""The Needle tests page in Streamlit's headless AppTest: the published runs and a fresh one load as
the CLI wrote them; bad paths get typed errors, and no path outside the places runs are kept (or
the operator's allowed folders) is read."""

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from niah import NoResultsError, effective_context, load_results, open_run  # noqa: E402
from ui.settings import SETTINGS_ENV, Settings  # noqa: E402

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "niah"
PAGE = "from ui.needles import render\nrender()\n"


def page(run: str = "") -> AppTest:
    app = AppTest.from_string(PAGE, default_timeout=60)
    if run:
        app.query_params["run"] = run
    return app.run()


def test_a_published_run_shows_its_table_heatmap_and_effective_context():
    folder = PUBLISHED / "model-gpu-dca"
    app = page(str(folder))
    assert not app.exception, app.exception
    cells = load_results(folder)
    effective = effective_context(cells, 0.85)
    [context, accuracy, count] = app.metric
    assert context.value == (f"{effective:,} tokens" if effective else "below 4K")
    # the title the CLI gave its summary (this published run kept no run.json)
    assert app.subheader[0].value == "SmolLM2-135M-Instruct (dca-8192-1024), target model, seed 0"
    assert count.value == f"{len(cells):,}"
    table = app.dataframe[0].value
    assert list(table["length"]) == ["4K", "8K", "12K", "16K", "24K", "32K"]
    # the same numbers as the summary the CLI wrote
    summary = (folder / "summary.md").read_text()
    for _, row in table.iterrows():
        assert f"| {row['length']} | {row['single']} | {row['multikey']} | {row['all']} |" in summary
    assert len(app.get("image")) == 1  # the heatmap
    # a lower threshold can only lengthen the effective context
    app.slider[0].set_value(0.5).run()
    lower = effective_context(cells, 0.5)
    assert app.metric[0].value == (f"{lower:,} tokens" if lower else "below 4K")
    assert (lower or 0) >= (effective or 0)


def test_found_runs_are_offered_and_misses_filter_the_cells(tmp_path, monkeypatch):
    run = tmp_path / "runs" / "niah" / "mine"
    shutil.copytree(PUBLISHED / "model-gpu-plain", run)
    (run / "run.json").write_text(
        json.dumps(
            {
                "target": "model",
                "model": "Tiny",
                "settings": "plain",
                "seed": 3,
                "haystack_source": "my files",
                "max_new_tokens": 32,
            }
        )
    )
    monkeypatch.chdir(tmp_path)
    app = page()
    assert str(run.resolve()) in app.selectbox[0].options
    app.selectbox[0].set_value(str(run.resolve())).run()
    assert not app.exception
    assert "Tiny (plain), target model, seed 3" in [s.value for s in app.subheader]
    cells = load_results(run)
    assert len(app.dataframe[1].value) == len(cells)
    app.checkbox[0].check().run()
    assert len(app.dataframe[1].value) == sum(c["score"] < 1 for c in cells) < len(cells)


def test_bad_paths_get_typed_errors(tmp_path, monkeypatch):
    for outside in [str(tmp_path / "nowhere"), "/etc/passwd", str(PUBLISHED / ".." / ".." / ".." / "README.md")]:
        assert "PathNotAllowedError" in page(outside).error[0].value, outside
    monkeypatch.setenv(SETTINGS_ENV, Settings((tmp_path.resolve(),)).to_env())  # the operator allows tmp_path
    app = page(str(tmp_path / "nowhere"))
    assert "NoResultsError" in app.error[0].value
    (tmp_path / "results.jsonl").write_text('{"not": "a cell"}\n{"cut sh')
    app = page(str(tmp_path))
    assert "no finished cell" in app.error[0].value
    with pytest.raises(NoResultsError):
        open_run(tmp_path / "results.jsonl")
