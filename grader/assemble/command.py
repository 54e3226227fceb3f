"""Click layer for ``mlp-course build``."""

from __future__ import annotations

import click

import grader.assemble as build
from grader.assemble.expand import expand_file
from grader.assemble.gradescope import DEFAULT_VISIBILITY, VISIBILITIES


@click.command("build")
@click.argument("master", type=click.Path(dir_okay=False, path_type=str),
                default="notebooks/mlp_mnist.ipynb", required=False)
@click.option("--data", "data_dir", default="data", show_default=True,
              type=click.Path(file_okay=False), help="Folder written by 'mlp-course data'.")
@click.option("-o", "--out", default=None, type=click.Path(),
              help="Output folder (default: dist), replaced as a whole only when the build succeeds; "
                   "with --expand-only, the notebook file to write.")
@click.option("--expand-only", is_flag=True,
              help="Only write the master view: MASTER with each '# SOLUTION: solutions.x.name' line "
                   "replaced by that code of the answer key (solutions/), to read or run in Jupyter. "
                   "Needs no data; never rewrites MASTER.")
@click.option("--no-execute", is_flag=True,
              help="Copy the solution notebook without running it (faster; no outputs).")
@click.option("--heldout-secret", envvar="MLP_HELDOUT_SECRET", default=None,
              help="Secret from which the autograder's held-out images are derived (same secret, same "
                   "images); default: a fresh random one, written nowhere.  [env: MLP_HELDOUT_SECRET]")
@click.option("--gradescope-visibility", type=click.Choice(VISIBILITIES), default=DEFAULT_VISIBILITY,
              show_default=True,
              help="When Gradescope shows students their points and messages per question: "
                   "hidden (never), after_due_date, after_published (when you publish the grades) "
                   "or visible (at once). The public checks are always visible.")
def command(master, data_dir, out, expand_only, no_execute, heldout_secret, gradescope_visibility):
    """Build the student notebook, the autograder zip and the solution from MASTER.

    \b
    Runs otter assign on the master notebook, checks that the solution earns every
    automatic point, and writes:
      OUT/student/mlp_mnist.ipynb, train_mnist.npz     what students get
      OUT/autograder/mlp_mnist-autograder.zip          for 'mlp-course grade', 'otter run'
                                                       or Gradescope
      OUT/solution/mlp_mnist.ipynb                     executed, for instructors
    \b
    The master names the answer key's code ('# SOLUTION: solutions.network.feedforward',
    see grader/assemble/expand.py); the build expands it in a scratch copy first.
    \b
    Example:
      mlp-course data --mnist-dir ~/mnist -o data
      mlp-course build notebooks/mlp_mnist.ipynb --data data -o dist
      mlp-course build notebooks/mlp_mnist.ipynb --expand-only -o mlp_mnist-view.ipynb
    """
    if expand_only:
        if out is None:
            raise click.UsageError("--expand-only needs -o FILE, the notebook to write "
                                   "(for example -o mlp_mnist-view.ipynb).")
        click.echo(f"Wrote the master view {expand_file(master, out)}")
        return
    out = "dist" if out is None else out
    result = build.main(master=master, data_dir=data_dir, out=out, execute_solution=not no_execute,
                        gradescope_visibility=gradescope_visibility, log=click.echo,
                        heldout_secret=heldout_secret)
    click.echo(f"Built in {result.seconds:.0f} s:\n  {result.student_notebook}\n"
               f"  {result.autograder_zip}\n  {result.solution_notebook}")
