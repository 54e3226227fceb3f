"""``mlp-course data``: a thin click layer over ``grader.data.main``."""

from __future__ import annotations

import click

from grader.data import DATASETS, main

HELP = """Prepare MNIST for the assignment: the students' training file and the
grader's held-out digit pairs.

\b
Example:
  mlp-course data --mnist-dir ~/mnist -o data/
\b
Sources (first one given wins):
  --keras-npz FILE   a Keras mnist.npz (x_train, y_train, x_test, y_test)
  --mnist-dir DIR    the four canonical IDX .gz files (or $MNIST_DIR),
                     each checked against its SHA-256
  (neither)          download into --cache-dir from the mirrors
\b
Output layout:
  data/
    train_mnist.npz          x (60000, 28, 28) uint8, y (60000,), dataset
    heldout/                 for the grader only, never for students
      heldout_1_5.npz        MNIST test images of 1 and 5: x, y, dataset, pair
      heldout_7_9.npz        MNIST test images of 7 and 9
"""


@click.command("data", help=HELP)
@click.option("-o", "--out", type=click.Path(file_okay=False), default="data", show_default=True,
              help="Output folder.")
@click.option("--dataset", type=click.Choice(DATASETS), default="mnist", show_default=True,
              help="'digits': scikit-learn's small digits set, no network; "
                   "'auto': MNIST, else digits with a notice.")
@click.option("--mnist-dir", type=click.Path(), default=None,
              help="Folder with the four MNIST .gz files [default: $MNIST_DIR].")
@click.option("--keras-npz", type=click.Path(), default=None, help="A Keras-style mnist.npz.")
@click.option("--mirror", "mirrors", multiple=True, metavar="URL",
              help="Download mirror, tried in order (repeatable) [default: three public mirrors].")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Download cache [default: $XDG_CACHE_HOME/mlp-course/mnist "
                   "or ~/.cache/mlp-course/mnist].")
@click.option("--retries", type=click.IntRange(min=1), default=3, show_default=True,
              help="Attempts per mirror on network errors.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the digits train/test split.")
@click.option("--compress/--no-compress", default=True, show_default=True,
              help="Write compressed .npz (5x smaller train file for students, about 1 s slower).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar while downloading.")
def command(**options):
    summary = main(**options)
    click.echo(summary.text())
