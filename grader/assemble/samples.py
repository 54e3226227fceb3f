"""Sample submissions: the solution notebook with one known bug each.

They are the demo's input and the fixtures that show each bug costs exactly the
points it should (``tests/assemble/test_samples.py``). Regenerate them after changing the
master notebook or the answer key (a test fails while they are stale)::

    mlp-course build notebooks/mlp_mnist.ipynb --data data -o dist
    python -m grader.assemble.samples dist/solution/mlp_mnist.ipynb samples/submissions

Each ``Mutant`` lists edits of the answer key's source (``solutions/``): ``(target, old, new)``
replaces the text ``old``, which must occur exactly once in the definition ``target`` (its
source as ``grader.assemble.expand`` inserts it in the notebook), and that code must occur exactly
once in the solution notebook; so an edit of the answer key that moves the code fails loudly
here instead of silently producing a correct "buggy" sample. ``loses`` gives the points each
question should lose.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.atomic import write_text
from grader.assemble.expand import fenced, find_definition
from grader.errors import GraderError


@dataclass(frozen=True)
class Mutant:
    """A named bug: edits of the answer key's code and the points it should cost."""

    name: str
    bug: str
    edits: tuple[tuple[str, str, str], ...]  # (definition, old text, new text)
    loses: dict = field(default_factory=dict)
    loses_on_standin: dict | None = None  # on the digits stand-in, when it differs from ``loses``

    def expected_loss(self, dataset: str = "mnist") -> dict:
        """Points per question this bug should cost when graded on ``dataset``."""
        return self.loses if dataset == "mnist" or self.loses_on_standin is None else self.loses_on_standin


ACT, DATA, NET = "solutions.activations", "solutions.data_prep", "solutions.network"
MUTANTS = (
    Mutant("correct", "no bug: the reference solution", (), {}),
    Mutant("sigmoid_overflow", "sigmoid without protection against overflow",
           ((f"{ACT}.sigmoid", "e = np.exp(-np.minimum(np.abs(Z), _EXP_CAP))\n    Y = np.where(Z >= 0, 1.0, e) / (1.0 + e)",
             "Y = 1.0 / (1.0 + np.exp(-Z))"),), {"q5": 8}),
    Mutant("bias_row_first", "the row of ones goes first, with the bias in W's first column",
           ((f"{NET}.with_bias_row", "np.vstack([A, np.ones((1, A.shape[1]), dtype=A.dtype)])",
             "np.vstack([np.ones((1, A.shape[1]), dtype=A.dtype), A])"),
            (f"{NET}.gradients", "model.W[l][:, :-1].T @ dC_dZ", "model.W[l][:, 1:].T @ dC_dZ")),
           # q7 7 of 10: its feedforward still works for any number of columns (3 points kept)
           {"q7": 7, "q8": 14, "q10": 6}),
    Mutant("relu_derivative_wrong", "deriv_ReLu returns ones everywhere",
           ((f"{ACT}.deriv_ReLu", "return (Y > 0).astype(Y.dtype if Y.dtype.kind == \"f\" else float)",
             "return np.ones_like(Y)"),),
           {"q5": 8, "q8": 14, "q12": 4},  # measured: 99.65 % (1/5) and 96.37 % (7/9) held-out, with
                                            # 1 or 2 BLAS threads and a 1e-7 jitter alike; 96.47 % (7/9)
                                            # on the sets derived with one secret (grader/assemble/heldout.py)
           {"q5": 8, "q8": 14}),  # digits stand-in: its 7 vs 9 clears the stand-in's lowered tiers
    Mutant("deriv_sigmoid_of_z", "deriv_sigmoid applies the sigmoid again to its input",
           ((f"{ACT}.deriv_sigmoid", "return Y * (1 - Y)", "return sigmoid(Y) * (1 - sigmoid(Y))"),),
           {"q5": 8, "q8": 14}),  # measured: its gradient is wrong but points downhill, so with
                                  # max_step the models still clear the top tiers of Q11/Q12
    Mutant("backprop_missing_transpose", "backpropagation forgets a transpose",
           ((f"{NET}.gradients", "dC_dZ @ with_bias_row(Y_prev).T", "dC_dZ @ with_bias_row(Y_prev)"),),
           {"q8": 14, "q9": 10, "q11": 10, "q12": 10}),
    Mutant("predict_returns_classes", "predict returns the classes 0/1 instead of the digits",
           (("solutions.evaluation.predict", "np.where(output >= 0.5, d2, d1)", "np.where(output >= 0.5, 1, 0)"),),
           {"q10": 6, "q11": 10, "q12": 10}),
    Mutant("vectorize_no_transpose", "vectorize_images keeps one image per row",
           ((f"{DATA}.vectorize_images", "int(np.prod(X.shape[1:]))).T", "int(np.prod(X.shape[1:])))"),
            (f"{DATA}.vectorize_images", "flat.max(axis=0,", "flat.max(axis=1,")),
           # q3 3 of 6: each image is still divided by its own maximum, only in rows (3 points kept)
           {"q3": 3, "q10": 6, "q11": 10, "q12": 10}),
    Mutant("weak_model", "model_1_5 is trained on only 30 images",
           (("solutions.cells.q11_model_1_5", "add_shifted_copies(train_X_1_5, train_y_1_5.reshape(1, -1))",
             "add_shifted_copies(train_X_1_5[:, :30], train_y_1_5.reshape(1, -1)[:, :30])"),),
           {"q11": 7},  # measured: 97.53 % held-out with 1 or 2 BLAS threads and a 1e-7 jitter,
                        # between the 95 % and 98 % tiers (9 test images from the 98 % one); 97.19 %
                        # on the sets derived with one secret (grader/assemble/heldout.py)
           {}),  # digits stand-in: 95.65 % (4 of 92 wrong), above every lowered tier (92 % at most)
    Mutant("cell_raises", "the Q1 cell raises before defining its function",
           ((f"{DATA}.display_random_images", "def display_random_images(",
             "raise RuntimeError('not finished yet')\n\ndef display_random_images("),),
           {"q1": 6}),
    Mutant("missing_function", "extract_digits was never written",
           ((f"{DATA}.extract_digits", "def extract_digits(", "def extract_digits_unused("),),
           {"q2": 6, "q4": 4, "q11": 10, "q12": 10}),
    Mutant("written_answer_missing", "ans_bias left empty",
           (("solutions.written.ans_bias", 'ans_bias = "A bias', 'ans_bias = ""\n_draft = "A bias'),), {}),
)


def _code_of(nb, target: str):
    """The code cell holding the answer key's ``target`` and the text inserted for it, fences
    included: its whole definition or, for a ``# SOLUTION BODY`` line, its body
    (``grader.assemble.expand``)."""
    definition = find_definition(target)
    code = [c for c in nb.cells if c.cell_type == "code"]
    count = 0
    for make in (definition.source, definition.body):
        try:
            texts = ["\n".join(fenced(make(), spaced)) for spaced in (False, True)]
        except GraderError:  # not a function, or nothing but a return: no body to look for
            break
        counts = [sum(c.source.count(text) for c in code) for text in texts]
        count, text = sum(counts), texts[counts.index(max(counts))]
        if count:
            break
    if count != 1:
        raise GraderError(f"the code of {target} occurs {count} times in the solution notebook "
                          "(expected once); rebuild it or update grader/assemble/samples.py.")
    return next(c for c in code if text in c.source), text


def _apply(nb, mutant: Mutant):
    targets = dict.fromkeys(target for target, _, _ in mutant.edits)  # in order, once each
    for target in targets:
        cell, text = _code_of(nb, target)
        edited = text
        for _, old, new in (e for e in mutant.edits if e[0] == target):
            if text.count(old) != 1:
                raise GraderError(f"sample '{mutant.name}': the text {old!r} occurs {text.count(old)} times "
                                  f"in {target} (expected once); update grader/assemble/samples.py.")
            edited = edited.replace(old, new)
        cell.source = cell.source.replace(text, edited)
    return nb


def mutated(solution_notebook, mutant: Mutant):
    """Return the solution notebook (outputs cleared) with ``mutant``'s edits applied."""
    nb = nbformat.read(solution_notebook, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's timestamps
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return _apply(nb, mutant)


def write_samples(solution_notebook, out_dir) -> list[Path]:
    """Write one ``<name>.ipynb`` per mutant into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    paths = []
    for mutant in MUTANTS:
        path = out_dir / f"{mutant.name}.ipynb"
        write_text(path, nbformat.writes(mutated(solution_notebook, mutant)) + "\n")
        paths.append(path)
    return paths


AUTOGRADED_STATUS = "graded"


def differences(rows: dict[str, dict], dataset: str = "mnist") -> list[str]:
    """What the graded samples did differently from what ``MUTANTS`` expect, one line each.

    ``rows`` maps a gradebook id to its row (:func:`grader.gradebook.read_gradebook`, with
    the ``POINTS POSSIBLE`` row); a sample is as expected when it was graded and lost
    exactly the points of its ``loses`` (``loses_on_standin`` on stand-in data), no more, no fewer. Manual questions
    (``MANUAL_QUESTIONS``: graded by hand, their cells wait for a score) are not compared."""
    from grader.submissions.answers import MANUAL_QUESTIONS

    possible = rows["POINTS POSSIBLE"]
    questions = [q for q in possible if q.startswith("q") and q not in MANUAL_QUESTIONS and float(possible[q] or 0) > 0]
    found = []
    for mutant in MUTANTS:
        row = rows.get(mutant.name)
        if row is None:
            found.append(f"{mutant.name}: not in the gradebook")
            continue
        if row["status"] != AUTOGRADED_STATUS:
            found.append(f"{mutant.name}: status {row['status']} ({row.get('detail', '')[:200]})")
            continue
        lost = {q: float(possible[q]) - float(row[q] or 0) for q in questions}
        lost = {q: v for q, v in lost.items() if v}
        expected = {q: float(v) for q, v in mutant.expected_loss(dataset).items()}
        if lost != expected:
            found.append(f"{mutant.name}: lost {_points(lost)}, expected {_points(expected)}")
    return found


def _points(lost: dict) -> str:
    return ", ".join(f"{q} {v:g}" for q, v in lost.items()) or "nothing"


def verify(gradebook_csv, dataset: str = "mnist") -> int:
    """Print whether every sample in ``gradebook_csv`` graded as expected; 0 if so, else 1."""
    from grader.gradebook import read_gradebook

    found = differences(read_gradebook(gradebook_csv), dataset)
    if dataset != "mnist":
        print(f"(expected points for the '{dataset}' stand-in data)")
    for line in found:
        print(f"UNEXPECTED {line}")
    print(f"{len(MUTANTS) - len(found)}/{len(MUTANTS)} samples graded as expected")
    return 1 if found else 0


USAGE = ("usage: python -m grader.assemble.samples SOLUTION_NOTEBOOK OUT_DIR               (write the samples)\n"
         "       python -m grader.assemble.samples --verify GRADEBOOK_CSV [DATA_DIR]     (check their grades)")

if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--verify":
        from grader.dataset_layout import dataset_of

        sys.exit(verify(sys.argv[2], dataset_of(Path(sys.argv[3])) if len(sys.argv) == 4 else "mnist"))
    if len(sys.argv) != 3:
        sys.exit(USAGE)
    for p in write_samples(sys.argv[1], sys.argv[2]):
        print(p)
