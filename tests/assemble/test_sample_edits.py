"""Does each sample's bug edit the answer key's code exactly where it should, without a build?

The samples are the built solution notebook with one bug each (``grader.assemble.samples``);
its code cells are the expanded master's, so the expanded master stands in for it here.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import nbformat
import pytest

from grader.assemble.expand import expand_notebook
from grader.assemble.samples import MUTANTS, _apply
from grader.errors import GraderError

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"
SOLUTION = expand_notebook(nbformat.read(MASTER, as_version=4), MASTER.name, MASTER.parent)


def _changed(nb) -> list[tuple[str, str]]:
    return [(a.source, b.source) for a, b in zip(SOLUTION.cells, nb.cells) if a.source != b.source]


@pytest.mark.parametrize("mutant", MUTANTS[1:], ids=[m.name for m in MUTANTS[1:]])
def test_does_each_bug_change_only_the_cells_of_its_definitions(mutant):
    changed = _changed(_apply(copy.deepcopy(SOLUTION), mutant))
    assert 1 <= len(changed) <= len({target for target, _, _ in mutant.edits})
    for _, old, new in mutant.edits:
        assert any(old in before and new in after for before, after in changed), old


def test_does_the_correct_sample_equal_the_solution():
    assert _changed(_apply(copy.deepcopy(SOLUTION), MUTANTS[0])) == []


def test_is_an_edit_that_no_longer_matches_the_answer_key_refused():
    stale = dataclasses.replace(MUTANTS[1], edits=(("solutions.activations.sigmoid", "np.clip(Z, -500, 500)", "Z"),))
    with pytest.raises(GraderError, match=r"sample 'sigmoid_overflow': the text .* occurs 0 times in "
                                          r"solutions.activations.sigmoid"):
        _apply(copy.deepcopy(SOLUTION), stale)


def test_is_a_solution_notebook_without_the_answer_keys_code_refused():
    nb = copy.deepcopy(SOLUTION)
    for cell in nb.cells:
        cell.source = cell.source.replace("def deriv_ReLu(Y):", "def deriv_ReLu(Y, *_):")
    with pytest.raises(GraderError, match=r"the code of solutions.activations.deriv_ReLu occurs 0 times"):
        _apply(nb, next(m for m in MUTANTS if m.name == "relu_derivative_wrong"))
