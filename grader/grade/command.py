"""``mlp-course grade``: the thin click layer over :func:`grader.grade.main`."""

from __future__ import annotations

import sys

import click

from grader.grade import DEFAULTS, ENGINES, main
from grader.grade.engines.isolation import MODES
from grader.numerics import GRADING_SEED, GRADING_THREADS
from grader.grade.report import settings_line
from grader.submissions.similarity import DEFAULT_THRESHOLD

HELP = f"""Grade every submission in SUBMISSIONS_DIR with an otter autograder, without Docker.

\b
Example:
  mlp-course grade submissions/ --autograder dist/autograder/mlp_mnist-autograder.zip -o graded/
\b
Folder layout:
  submissions/                 one file per student, id = file name without extension
    alice.ipynb                a notebook
    bob_2024_05_01T10_00.zip   an otter export zip (exactly one .ipynb inside);
                               same id as .ipynb and .zip: the newest file (mtime) is graded
  graded/                      written by this command
    gradebook.csv              id, status, one column per question, total, possible,
                               integrity, duration_s, detail; FIRST row POINTS POSSIBLE (manual
                               questions at their real points); a manual cell stays
                               empty, "manual pending" in detail, until scored
    feedback/<id>.md           per-question scores and failed-test messages for the student
    results/<id>.json          --engine otter only: otter's raw results (the default
                               sandboxed engine keeps its verdicts in feedback/ and .state.json)
    report.html                class report (one page, plots inside)
    integrity.csv              integrity codes per id with where they come from
    similarity.html            side by side view of the similar pairs (copydetect)
    .state.json                what was graded; a re-run skips unchanged submissions
    manual_scores.json         scores merged by --manual-scores, applied on every run
    lms-canvas.csv             with --lms canvas (or lms-moodle.csv, lms-plain.csv)
\b
Roster (--roster roster.csv; header: id,name,email and optionally pattern,
section): a file belongs to the student whose pattern (fnmatch, e.g.
"hw1_alice*") matches its name, else whose id appears in its name as a whole
word (alice: alice.ipynb, hw1_alice_v2.zip; not malice.ipynb). Each roster
student then has one row: several files -> the newest is graded, the others are
named in detail; no file -> status missing, 0 points. A file matching no
student, or several, is graded as "unmatched:<file stem>". All of it is
printed and listed in report.html.
\b
Statuses: graded, timeout, memory, output-limit, disk-limit (bwrap: the notebook
filled its folder's quota), crashed, invalid-notebook, not-a-notebook (and
pending for rows an interrupted run did not reach; missing for a roster
student who submitted nothing, 0 points).
Each submission runs in its own temporary folder and process group, in a child
limited in wall-clock time, memory and output. Ctrl-C keeps every finished row;
run the same command again to resume.
\b
Sandbox (safe engine, the default; grader/grade/SAFETY.md): --sandbox auto uses bubblewrap
if it works here, else unshare, else none; as root each submission also runs
under its own uid (--no-drop-uid keeps root: trusted notebooks only). Before
the first submission, one probe must run through that sandbox, or nothing is
graded (exit 2).
\b
Integrity (`mlp-course integrity --help` for the codes): the code of Q2-Q12 is
parsed, never run, for learning libraries (lib:sklearn, lib:torch, ...), and every
pair of submissions is compared with the given code subtracted (sim:alice,bob(0.91)
at or above --similarity-threshold). The codes fill the `integrity` column; they
never change a score.
\b
Numerics: every notebook runs with {GRADING_THREADS} BLAS thread(s), whatever --jobs, and the
safe engine seeds numpy and random before every cell (otter_config.json's seed,
else {GRADING_SEED}), so a regrade gives the same points.
\b
Cluster (docs/cluster.md): --cluster tcp://HOST:8786 sends each submission to
the workers of a Dask scheduler (pip install 'mlp-course[cluster]' there and
here); --cluster local:N starts N worker processes on this machine. Each worker
preflights its own sandbox and gets the autograder once; the gradebook, resume
and Ctrl-C work as without it.
\b
Exit status: 0 done; 1 every submission (2 or more) crashed the same way,
which is the grader failing, not the students; 2 bad input, failed preflight
(on every worker, with --cluster) or a lost Dask scheduler (finished rows kept).
"""


@click.command("grade", help=HELP)
@click.argument("submissions_dir", type=click.Path(path_type=str))
@click.option("--autograder", "-a", required=True, type=click.Path(path_type=str),
              help="Otter autograder zip built by `mlp-course build`.")
@click.option("--output", "-o", "out", required=True, type=click.Path(path_type=str),
              help="Output folder (created if missing).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once  [default: number of cores]")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULTS["timeout"], show_default=True,
              help="Wall-clock seconds per submission.")
@click.option("--memory-mb", type=click.IntRange(min=256), default=DEFAULTS["memory_mb"], show_default=True,
              help="Address-space limit per submission (MB).")
@click.option("--output-mb", type=click.FloatRange(min=0.01), default=DEFAULTS["output_mb"], show_default=True,
              help="Cap on the output a submission's cells may print (MB).")
@click.option("--force", is_flag=True, help="Regrade submissions even if unchanged since the last run.")
@click.option("--manual-scores", type=click.Path(path_type=str), default=None,
              help="CSV student_id,question,score for the manual questions; checked before anything is "
                   "graded (exit 2 if bad), then kept with the batch and applied on every later run.")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="safe: student code only runs probes in a sandbox, verdicts are computed by the grader "
                   "(grader/grade/SAFETY.md); otter: `otter run` in a limited child; auto: safe when the "
                   "autograder ships mlp_hidden_checks.py.")
@click.option("--sandbox", type=click.Choice(MODES), default="auto", show_default=True,
              help="Isolation of the safe engine: bwrap (bubblewrap), unshare, none; auto = the first that "
                   "works here, in that order. Forcing one this machine cannot run is an error.")
@click.option("--no-drop-uid", "drop_uid", is_flag=True, flag_value=False, default=True,
              help="As root, run student code as root instead of one unprivileged uid per submission "
                   "(loud warning; trusted notebooks only).")
@click.option("--cluster", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N worker "
                   "processes here (needs the [cluster] extra; see docs/cluster.md).")
@click.option("--roster", type=click.Path(path_type=str), default=None,
              help="CSV with the columns id,name,email[,pattern,section]: maps files to students, adds a "
                   "'missing' row per student without a file; checked before grading (exit 2 if bad).")
@click.option("--lms", type=click.Choice(["canvas", "moodle", "plain"]), default=None,
              help="Also write OUT/lms-<system>.csv in that system's grade-import format, manual scores "
                   "merged (needs --roster).")
@click.option("--lms-assignment", default=None, metavar="TITLE",
              help="The grade column's title in the LMS file; for Canvas use the assignment's name and number "
                   "as its export shows them, 'Name (123456)'  [default: the autograder's name]")
@click.option("--boilerplate", type=click.Path(path_type=str), default=None,
              help="Student notebook as handed out, subtracted before comparing submissions  "
                   "[default: dist/student/<name>.ipynb beside the autograder's dist/autograder/]")
@click.option("--similarity-threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
              help="Pairs of submissions sharing at least this share of their own code are flagged.")
def command(submissions_dir, **options):
    try:
        summary = main(submissions_dir, **options)
    except KeyboardInterrupt:
        click.echo(f"Interrupted: finished rows are saved in {options['out']}/gradebook.csv; "
                   "run the same command again to grade the rest.", err=True)
        sys.exit(130)
    for note in summary["notes"]:
        click.echo(note)
    counts = ", ".join(f"{status} {n}" for status, n in sorted(summary["counts"].items()) if status != "missing")
    missing = summary["counts"].get("missing", 0)  # roster students without a file: rows, not submissions
    click.echo(f"{sum(summary['counts'].values()) - missing} submissions: {counts or 'none'}"
               + (f"; {missing} roster student(s) without a submission (status missing)" if missing else "")
               + (f" ({summary['skipped']} unchanged, not regraded; --force regrades)" if summary["skipped"] else ""))
    click.echo(f"mean total {summary['mean_total']:.2f} / {summary['possible']:g}")
    click.echo(f"settings: {settings_line(summary['settings'])}")
    flags = summary["integrity"]
    flagged = sum(1 for codes in flags.codes.values() if codes)
    click.echo(f"integrity: {flagged} submission(s) with codes, {len(flags.pairs)} similar pair(s) "
               f"(see the integrity column; {summary['gradebook'].parent / 'integrity.csv'})")
    click.echo(f"gradebook: {summary['gradebook']}")
    click.echo(f"report: {summary['report']}")
    for line in summary["roster"]:
        click.echo(line)
    if summary.get("lms"):
        click.echo(f"LMS import file: {summary['lms']}")
    if summary["harness_failure"]:
        click.echo(f"Error: {summary['harness_failure']}", err=True)
        sys.exit(1)
