"""``mlp-course``: the instructor command line, a thin click layer over the library.

Each verb lives in ``grader/<verb>/command.py`` (``build``: ``grader/assemble/``) as a click command named ``command``;
this module only collects them and turns ``GraderError`` into a one-line message
with exit status 2.
"""

from __future__ import annotations

import importlib

import click

from grader.errors import GraderError

VERBS = ["data", "build", "grade", "export", "answers", "integrity"]
#: The verbs whose package is named otherwise (``build`` would clash with build tools' output folders).
PACKAGES = {"build": "assemble"}


class _Group(click.Group):
    """Loads each verb's module on demand so ``--help`` stays fast."""

    def list_commands(self, ctx):
        return list(VERBS)

    def get_command(self, ctx, name):
        return self._load(name) if name in VERBS else None

    @staticmethod
    def _load(name):
        return importlib.import_module(f"grader.{PACKAGES.get(name, name)}.command").command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlp-course")
def main():
    """Build, grade and export the MLP-from-scratch MNIST assignment.

    \b
    Typical term:
      mlp-course data --mnist-dir ~/mnist -o data/         # train_mnist.npz + held-out sets
      mlp-course build notebooks/mlp_mnist.ipynb --data data/ -o dist/
      mlp-course grade submissions/ --autograder dist/autograder/mlp_mnist-autograder.zip -o graded/
    """


if __name__ == "__main__":  # pragma: no cover
    main()
