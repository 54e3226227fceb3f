"""The one exception type that user-facing code raises for bad input.

A ``GraderError`` carries a message a person can act on: what went wrong, where
(file, question, cell) and how to fix it. The CLI prints it on one line and exits
with status 2; library callers can catch it.
"""


class GraderError(Exception):
    """Bad input or environment, explained in one actionable sentence."""

    exit_code = 2
