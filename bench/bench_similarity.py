"""Benchmark the integrity check of a class: static check + similarity of every pair, N submissions.

The submissions are synthetic: the answer key's functions (``solutions/``) under the assignment's
question prompts, each submission mutated with a seeded generator: local names renamed, the
functions of a cell reordered, random edits (lines dropped or duplicated, constants changed,
statements added). The given notebook holds each function's signature, docstring and ``...``.
Printed: the time of :func:`grader.submissions.integrity_batch.check_batch` (reading the N
notebooks, static check, fingerprints, all N*(N-1)/2 comparisons, the HTML) and the share of
pairs at or above the default threshold (the mutants all derive from one key, so most are).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_similarity.py --n 200
"""

from __future__ import annotations

import argparse
import ast
import inspect
import random
import re
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.submissions.integrity_batch import check_batch
from grader.submissions.similarity import DEFAULT_THRESHOLD
from solutions import activations, data_prep, evaluation, network, training

#: question -> the answer key's functions the student writes there
QUESTIONS = {2: [data_prep.extract_digits], 3: [data_prep.vectorize_images],
             5: [activations.sigmoid, activations.deriv_sigmoid, activations.ReLu, activations.deriv_ReLu],
             7: [network.with_bias_row, network.feedforward], 8: [network.gradients, network.backpropagation],
             9: [training.train_NNet, training._sgd_step, training.plot_training], 10: [evaluation.predict]}


def _given(function) -> str:
    """Signature and docstring of ``function``, then ``...``."""
    tree = ast.parse(inspect.getsource(function)).body[0]
    doc = ast.get_docstring(tree) or ""
    head = inspect.getsource(function).split(":\n", 1)[0]
    return f'{head}:\n    """{doc}"""\n    ...'


def _notebook(cells: dict[int, str]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt")])
    for q, code in cells.items():
        nb.cells += [new_markdown_cell(f"**Q{q}.** Question {q}."), new_code_cell(code),
                     new_code_cell(f'grader.check("q{q}")')]
    return nb


def _mutate(code: str, rng: random.Random) -> str:
    """``code`` with some local names renamed, functions reordered and a few random edits."""
    names = sorted({n.id for n in ast.walk(ast.parse(code))
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)})
    for name in rng.sample(names, k=rng.randint(0, len(names))):
        code = re.sub(rf"(?<!\.)\b{name}\b", f"{name}_{rng.choice('abcxyz')}{rng.randint(0, 99)}", code)
    parts = re.split(r"\n\n\n(?=def )", code)
    rng.shuffle(parts)
    lines = "\n\n\n".join(parts).splitlines()
    for _ in range(rng.randint(0, 12)):
        at = rng.randrange(len(lines))
        indent = re.match(r"\s*", lines[at]).group()
        edit = rng.choice(("drop", "dup", "const", "add"))
        if edit == "drop" and not lines[at].lstrip().startswith("def "):
            del lines[at]
        elif edit == "dup":
            lines.insert(at, lines[at])
        elif edit == "const":
            lines[at] = re.sub(r"\b\d+\b", lambda m: str(int(m.group()) + rng.randint(1, 9)), lines[at])
        else:
            lines.insert(at, f"{indent}step_{rng.randint(0, 999)} = {rng.random():.3f} * {rng.randint(1, 9)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="synthetic submissions")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    key = {q: "\n\n\n".join(inspect.getsource(f) for f in fs) for q, fs in QUESTIONS.items()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nbformat.write(_notebook({q: "\n\n\n".join(_given(f) for f in fs) for q, fs in QUESTIONS.items()}),
                       folder / "given.ipynb")
        subs = []
        for i in range(args.n):
            path = folder / f"student_{i:03d}.ipynb"
            nbformat.write(_notebook({q: _mutate(code, rng) for q, code in key.items()}), path)
            subs.append((path.stem, path))
        start = time.perf_counter()
        result = check_batch(subs, boilerplate=folder / "given.ipynb", html=folder / "similarity.html")
        elapsed = time.perf_counter() - start
    pairs, scores = args.n * (args.n - 1) // 2, [p.score for p in result.pairs] or [0.0]
    print(f"{args.n} submissions, {pairs} pairs: check_batch {elapsed:.1f} s "
          f"({len(result.pairs)} pairs at or above {DEFAULT_THRESHOLD}, scores {min(scores):.2f}-{max(scores):.2f})")


if __name__ == "__main__":
    main()
