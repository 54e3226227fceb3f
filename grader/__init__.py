"""Instructor tooling for the MLP-from-scratch assignment.

One subpackage per verb of the ``mlp-course`` command (``data``, ``build``, ``grade``,
``export``, ``answers``). Each exposes a library ``main(...)`` with keyword-only options;
``grader.cli`` is a thin click layer over them.
"""
