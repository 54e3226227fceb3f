"""``mlp-course export``: a thin click layer over ``grader.export.main``."""

from __future__ import annotations

import click

from grader.export import main

HELP = """Turn notebooks (or otter submission zips) into PDFs, in parallel, through
nbconvert's LaTeX path (needs xelatex and pandoc: see .ci/apt-packages.txt).

\b
Examples:
  mlp-course export submissions/alice.ipynb            # submissions/alice.pdf
  mlp-course export submissions/ -o exported/ --jobs 2
  mlp-course export submissions/ -o manual/ --filtered  # for manual grading
\b
Layout (student id = file name without extension, as for `grade`):
  submissions/                exported/
    alice.ipynb        ->       alice.pdf   (alice.filtered.pdf with --filtered)
    bob_2024_05_01.zip ->       bob_2024_05_01.pdf   (the .ipynb inside the zip)
\b
--filtered keeps the written answers (ans_* cells) with their prompts and
question headings, and the cells showing plots; it drops all other code.
A notebook that fails is reported on one line and the others go on; the exit
status is 1 if any failed, and a failed notebook leaves no PDF.
"""


@click.command("export", help=HELP)
@click.argument("path", type=click.Path(exists=True))
@click.option("-o", "--out", type=click.Path(file_okay=False), default=None,
              help="Output folder [default: beside a single notebook; exported/ for a folder].")
@click.option("--filtered", is_flag=True, help="Only written answers, their prompts and plots.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel conversions [default: number of CPUs].")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar.")
def command(**options):
    outcomes = main(**options)
    failed = [o for o in outcomes if o.error]
    click.echo(f"{len(outcomes) - len(failed)} PDF(s) written, {len(failed)} failed.")
    if failed:
        raise SystemExit(1)
