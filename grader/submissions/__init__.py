"""The submissions layer: what ``grade``, ``export`` and ``answers`` all read, and nothing else.

* :mod:`.discover`      -- the submission files of a folder and each one's student id;
* :mod:`.validate`      -- is a file a runnable notebook (before anything runs), and reading the
  notebook of an ``.ipynb`` or of an otter export ``.zip`` (the one place that looks inside);
* :mod:`.answers`       -- the written answers of a notebook, read statically;
* :mod:`.manual_scores` -- the CSV of hand-given scores (``grade --manual-scores`` and
  ``answers --manual-scores``);
* :mod:`.roster`        -- the class roster (``grade --roster``) and which file is whose;
* :mod:`.integrity`, :mod:`.similarity`, :mod:`.integrity_batch` -- integrity signals read from the
  files, never run: learning libraries in the code (``ast``), near-copies (copydetect fingerprints),
  and the two over a batch (``grade``'s ``integrity`` column and ``mlp-course integrity``).

Layers point one way: the verbs (``grader/grade``, ``grader/export``, ``grader/answers``,
``grader/integrity``) use this package and the shared modules beside it (``grader.readback``,
``grader.textsafe``, ``grader.atomic``); no verb imports another verb, and nothing here imports a verb.
"""
