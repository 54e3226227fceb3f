"""``mlp-course integrity``: the thin click layer over :func:`grader.integrity.main`."""

from __future__ import annotations

import click

from grader.integrity import main
from grader.submissions.similarity import DEFAULT_THRESHOLD

HELP = f"""Look for learning libraries and near-copies in SUBMISSIONS_DIR, without running anything.

\b
Example:
  mlp-course integrity submissions/ --boilerplate dist/student/mlp_mnist.ipynb -o integrity/
\b
Folder layout:
  submissions/          one file per student (.ipynb or otter .zip), as for `grade`
  integrity/            written by this command
    integrity.csv       id, integrity (codes), details (question, cell, line; similar ids)
    similarity.html     copydetect's side-by-side view of the pairs at or above the threshold
\b
Codes (also the gradebook's `integrity` column under `mlp-course grade`):
  lib:sklearn           Q2-Q12 import or call a learning library (sklearn estimators, torch,
                        tensorflow, keras, jax, ...); found by parsing the code, comments and
                        strings never count; sklearn.metrics and the like are allowed
  sim:alice,bob(0.91)   alice's and bob's own code overlap: 0.91 of the shorter one's
                        fingerprints are in the other (renamed variables and reordered
                        functions do not hide a copy; the given code is subtracted)
\b
The list of libraries and exceptions can be set in the master notebook's metadata
(mlp_course.integrity: forbidden, allowed, questions); the built student notebook given
as --boilerplate carries it. Codes are signals for the instructor, never a score.
"""


@click.command("integrity", help=HELP)
@click.argument("submissions_dir", type=click.Path(path_type=str))
@click.option("--output", "-o", "out", default="integrity", show_default=True, type=click.Path(path_type=str),
              help="Output folder (created if missing).")
@click.option("--boilerplate", type=click.Path(path_type=str), default=None,
              help="The student notebook as handed out (dist/student/<name>.ipynb): its code is subtracted "
                   "before comparing. Without it, code cells most submissions share are taken as given.")
@click.option("--similarity-threshold", "threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
              help="Pairs whose overlap is at least this share of their tokens are flagged.")
def command(submissions_dir, out, boilerplate, threshold):
    summary = main(submissions_dir, out=out, boilerplate=boilerplate, threshold=threshold)
    result = summary["result"]
    for note in result.notes:
        click.echo(note)
    libs = {sid: [c for c in codes if c.startswith("lib:")] for sid, codes in result.codes.items()}
    libs = {sid: c for sid, c in libs.items() if c}
    click.echo(f"{len(summary['ids'])} submissions: {len(libs)} use a learning library, "
               f"{len(result.pairs)} pair(s) at or above similarity {result.threshold:g}")
    for sid, codes in sorted(libs.items()):
        click.echo(f"  {sid}: {' '.join(codes)}")
    for pair in result.pairs:
        click.echo(f"  similar: {pair.a} and {pair.b} ({pair.score:.2f})")
    click.echo(f"details: {summary['csv']}")
    click.echo(f"side by side: {result.html}")
