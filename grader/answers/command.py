"""``mlp-course answers``: a thin click layer over ``grader.answers.main``."""

from __future__ import annotations

import click

from grader.answers import WRITTEN_ANSWERS, main

HELP = f"""Collect every student's written answers side by side for manual grading,
and merge the scores given by hand into the gradebook.

\b
Examples:
  mlp-course answers submissions/ -o manual/
  mlp-course answers submissions/ -o manual/ \\
      --manual-scores manual/scores.csv --gradebook graded/gradebook.csv
\b
Layout (student id = file name without extension, as for `grade`):
  submissions/alice.ipynb, bob.zip, ...
  manual/answers.csv     student_id, question, answer (one row each)
  manual/answers.html    one table per question, one row per student
  manual/scores.csv      (yours) student_id, question, score; a row with
                         student_id "POINTS POSSIBLE" sets a question's points
\b
Questions: {", ".join(f"{v} = {k}" for k, v in WRITTEN_ANSWERS.items())}.
Answers are read from the code without running it; a missing or empty one is
recorded empty and counted at the end. A bad scores row (unknown student or
question, not a number, duplicate) stops the merge before anything is written.
"""


@click.command("answers", help=HELP)
@click.argument("submissions_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--out", type=click.Path(file_okay=False), required=True,
              help="Folder for answers.csv and answers.html.")
@click.option("--manual-scores", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV of hand-given scores to merge into --gradebook.")
@click.option("--gradebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="gradebook.csv written by `mlp-course grade` (rewritten in place).")
def command(**options):
    if (options["manual_scores"] is None) != (options["gradebook"] is None):
        raise click.UsageError("--manual-scores and --gradebook go together: give both or neither")
    click.echo(main(**options).text())
