"""Needle tasks: reproducible trials and judge-free scoring."""

import pytest

from niah.tasks import TASKS, Trial, normalize, score, trial


@pytest.mark.parametrize("task", TASKS)
def test_trials_are_reproducible_and_their_values_are_in_their_needles(task):
    t = trial(task, 3, 4096, 50.0)
    assert t == trial(task, 3, 4096, 50.0) and t != trial(task, 4, 4096, 50.0)
    needles = " ".join(t.needles)
    assert all(v in needles for v in t.expected + t.forbidden)
    assert not set(t.expected) & set(t.forbidden)


def test_the_chain_hides_its_value_behind_a_name():
    first, second = trial("chain", 0, 4096, 0.0).needles
    person = first.removesuffix(".").split(" is ")[-1]
    assert second.startswith(person) and person not in trial("chain", 0, 4096, 0.0).question


def test_scoring_matches_whole_values_after_normalizing():
    t = Trial(("x",), "q", ("4821937", "Belsozu"))
    assert score("The numbers are 4,821,937 and BELSOZU.", t) == 1.0
    assert score("It is 48219370, at Belsozuville.", t) == 0.0  # a longer number or word is not the value
    assert score("Only 4821937.", t) == 0.5
    assert normalize("Ｂｅｌｓｏｚｕ: 1 234 567!") == "belsozu 1234567"


def test_a_distractor_value_in_the_answer_scores_nothing():
    t = trial("multikey", 0, 4096, 50.0)
    assert score(t.expected[0], t) == 1.0
    assert score(f"{t.expected[0]} or {t.forbidden[0]}", t) == 0.0
