"""Similarity: are near-copies found, and are independent work and untouched notebooks left alone?"""

from __future__ import annotations

import pytest

from integrity_notebooks import STYLE_A, STYLE_B, STYLES, near_copy, notebook
from grader.submissions.integrity_batch import check_batch
from grader.submissions.similarity import DEFAULT_THRESHOLD, given_code, similar_pairs, student_code

GIVEN = notebook()


def pairs_of(notebooks: dict, threshold: float = DEFAULT_THRESHOLD):
    codes = {sid: student_code(nb, GIVEN) for sid, nb in notebooks.items()}
    return similar_pairs(codes, given_code(GIVEN), threshold=threshold)


def test_are_two_near_copies_a_pair_and_no_other_pair_above_the_threshold():
    copied = near_copy(STYLE_A)
    assert copied[5] != STYLE_A[5] and "keep_x" in copied[2]  # really renamed and reordered
    assert copied[5].index("def deriv_ReLu") < copied[5].index("def sigmoid")
    flagged, everything = pairs_of({**{sid: notebook(a) for sid, a in STYLES.items()},
                                    "zoe": notebook(copied)})
    assert [(p.a, p.b) for p in flagged] == [("ada", "zoe")]
    assert len(everything) == 6 and flagged[0].score >= 0.9
    assert flagged[0].code == f"sim:ada,zoe({flagged[0].score:.2f})"


def test_is_the_unchanged_student_notebook_handed_in_twice_not_similar():
    flagged, everything = pairs_of({"al": notebook(), "bo": notebook(), "ben": notebook(STYLE_B)})
    assert flagged == [] and everything == []  # nothing of their own: compared with nobody


def test_does_a_copy_of_half_the_work_into_otherwise_own_code_count():
    half = {**STYLE_B, **{q: STYLE_A[q] for q in (7, 8, 9, 10)}}
    flagged, _ = pairs_of({"ada": notebook(STYLE_A), "ben": notebook(half)}, threshold=0.4)
    assert [(p.a, p.b) for p in flagged] == [("ada", "ben")] and flagged[0].score < 1


def test_does_the_batch_put_lib_and_sim_codes_on_the_right_ids_and_write_the_html(tmp_path):
    import nbformat

    sk = {**STYLE_B, 11: "from sklearn.neural_network import MLPClassifier\nmodel_1_5 = MLPClassifier()"}
    files = {"ada": STYLE_A, "ben": sk, "zoe": near_copy(STYLE_A)}
    for sid, answers in files.items():
        nbformat.write(notebook(answers), tmp_path / f"{sid}.ipynb")
    nbformat.write(GIVEN, tmp_path / "given.json")
    (tmp_path / "broken.ipynb").write_text("{not json")
    result = check_batch([(sid, tmp_path / f"{sid}.ipynb") for sid in [*files, "broken"]],
                         boilerplate=tmp_path / "given.json", html=tmp_path / "out" / "similarity.html")
    assert result.codes["ben"] == ("lib:sklearn",)
    assert result.codes["ada"] == result.codes["zoe"] == (result.pairs[0].code,)
    assert result.details["broken"][0].startswith("not checked:")
    html = (tmp_path / "out" / "similarity.html").read_text()
    assert "zoe.py" in html and str(tmp_path) not in html
    assert "https://" not in html and "http://" not in html  # nothing fetched when it is opened


@pytest.mark.parametrize("threshold", [0.3, 0.5])
def test_do_independent_solutions_stay_below_the_threshold(threshold):
    flagged, everything = pairs_of({sid: notebook(a) for sid, a in STYLES.items()}, threshold)
    assert flagged == [] and len(everything) == 3


def test_is_a_score_the_same_in_another_process_with_another_hash_seed():
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("from integrity_notebooks import STYLE_A, STYLE_B, STYLE_C, near_copy, notebook\n"
              "from grader.submissions.similarity import given_code, similar_pairs, student_code\n"
              "g = notebook()\n"
              "codes = {k: student_code(notebook(v), g) for k, v in "
              "{'a': STYLE_A, 'b': STYLE_B, 'c': STYLE_C, 'z': near_copy(STYLE_A)}.items()}\n"
              "print(similar_pairs(codes, given_code(g))[1])")
    here = Path(__file__).parent
    path = os.pathsep.join([str(here), str(here.parents[1]), os.environ.get("PYTHONPATH", "")])
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": path, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1 and "score" in outputs.pop()


def test_does_a_pathological_or_huge_submission_leave_the_rest_of_the_class_checked(tmp_path):
    import nbformat

    hostile = notebook({**STYLE_B, 11: "x = " + "-" * 200_000 + "1"})  # MemoryError in ast.parse
    huge = notebook({**STYLE_B, 10: STYLE_B[10] + "\n" + "y = 1\n" * 60_000})
    for sid, nb in {"ada": notebook(STYLE_A), "zoe": notebook(near_copy(STYLE_A)), "bad": hostile,
                    "big": huge}.items():
        nbformat.write(nb, tmp_path / f"{sid}.ipynb")
    result = check_batch([(sid, tmp_path / f"{sid}.ipynb") for sid in ("ada", "bad", "big", "zoe")])
    assert result.details["bad"] == ["not checked: its code cannot be parsed (MemoryError)"]
    assert result.details["big"] == ["compared on its first 300000 characters of code only"]
    assert [(p.a, p.b) for p in result.pairs] == [("ada", "zoe")]
