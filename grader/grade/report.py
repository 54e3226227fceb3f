"""The class report: ``report.html`` with PNG plots in ``report/`` (matplotlib, Agg backend).

Plots: histogram of totals, share of students with full points per question, and the
most common FIRST failure per question: for each student, only the first failing check
of the question (the root cause; later checks often fail as its downstream symptoms)
counts. A "Graded with" line records the grading settings (engine, sandbox, BLAS threads,
seed); a "Graded by hand" line the manual questions' scores given so far.
"""

from __future__ import annotations

import collections
import html
from pathlib import Path

from grader import atomic
from grader.grade.autograder import Autograder


def _save(fig, path: Path) -> None:
    with atomic.atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100, bbox_inches="tight", format="png")


def _figure(plot, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    plot(ax)
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=45)
    _save(fig, path)
    plt.close(fig)


COUNT_MEANING = ("students whose FIRST failing check of the question ended with this message "
                 "(later checks of the same question are not counted: they often fail only because the first did)")


def most_common_failures(entries: list[dict], autograder: Autograder) -> dict[str, tuple[str, int]]:
    """Per question: (most frequent first-failure message, how many students had it first)."""
    counts = {q: collections.Counter() for q in autograder.questions}
    for entry in entries:
        for q, message in first_failures(entry["failures"]).items():
            counts.setdefault(q, collections.Counter())[message] += 1
    return {q: (c.most_common(1)[0] if c else ("", 0)) for q, c in counts.items()}


def first_failures(failures: list[dict]) -> dict[str, str]:
    """Question -> last line of its first listed failure (failures are in check order)."""
    found: dict[str, str] = {}
    for f in failures:
        found.setdefault(f["question"], (f["message"].strip().splitlines() or [""])[-1][:120])
    return found


def manual_line(rows: list[dict], autograder: Autograder) -> str:
    """``q6 (8 points): 3 of 10 scored, mean 5.5; q7_bias (2 points): none scored yet``."""
    parts = []
    for q in autograder.manual:
        scores = [float(r[q]) for r in rows if r.get(q) not in ("", None)]
        done = f"{len(scores)} of {len(rows)} scored, mean {sum(scores) / len(scores):.2f}" if scores \
            else "none scored yet"
        parts.append(f"{q} ({autograder.manual[q]:g} points): {done}")
    return "; ".join(parts)


def settings_line(settings: dict) -> str:
    """``engine safe, sandbox bwrap, own uid per submission, BLAS threads 1, seed 4144``."""
    seed = settings["seed"] if settings["seed"] is not None else "none (otter_config.json sets none)"
    data = settings.get("dataset") or ""
    if data:
        data = f", held-out data {data}" + ("" if data == "mnist" else " (a STAND-IN for MNIST: a try-out, not a course)")
    return (f"engine {settings['engine']}, sandbox {settings['sandbox']}, "
            f"BLAS threads {settings['threads']}, seed {seed}{data}")


def write_report(out: Path, entries: list[dict], autograder: Autograder, settings: dict | None = None) -> Path:
    """Write plots and ``report.html`` from state entries (``row`` + ``failures``); returns the HTML path."""
    rows = [e["row"] for e in entries]
    graded = [r for r in rows if r["status"] == "graded"]
    questions = [q for q, points in autograder.questions.items() if points > 0]  # not manual ones
    full = [sum(float(r[q]) >= autograder.questions[q] for r in graded) / max(len(graded), 1)
            for q in questions]
    common = most_common_failures(entries, autograder)
    _figure(lambda ax: (ax.hist([float(r["total"]) for r in graded], bins=10, range=(0, autograder.possible)),
                        ax.set_xlabel("total points"), ax.set_ylabel("students")),
            out / "report" / "scores.png", f"Totals of {len(graded)} graded submissions")
    _figure(lambda ax: (ax.bar(questions, full), ax.set_ylim(0, 1), ax.set_ylabel("share with full points")),
            out / "report" / "pass_rate.png", "Pass rate per question")
    _figure(lambda ax: (ax.bar(questions, [common[q][1] for q in questions]), ax.set_ylabel("students")),
            out / "report" / "failures.png", "Most common first failure per question (see table)")
    path = out / "report.html"
    atomic.write_text(path, _html(rows, questions, full, common, settings_line(settings) if settings else "",
                                  manual_line(rows, autograder)))
    return path


def _html(rows, questions, full, common, settings: str, manual: str = "") -> str:
    statuses = collections.Counter(r["status"] for r in rows)
    table = "".join(f"<tr><td>{html.escape(q)}</td><td>{p:.0%}</td><td>{n}</td>"
                    f"<td><code>{html.escape(m)}</code></td></tr>"
                    for q, p, (m, n) in zip(questions, full, (common[q] for q in questions)))
    status_list = "".join(f"<li>{html.escape(s)}: {n}</li>" for s, n in sorted(statuses.items()))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Class report</title></head><body>
<h1>Class report</h1>
<p>{len(rows)} submissions.</p><ul>{status_list}</ul>
<p>Graded with: {html.escape(settings or "unknown")}</p>
{f"<p>Graded by hand: {html.escape(manual)}</p>" if manual else ""}
<img src="report/scores.png" alt="score histogram">
<img src="report/pass_rate.png" alt="pass rate per question">
<img src="report/failures.png" alt="most common failure per question">
<p>"students" counts {html.escape(COUNT_MEANING)}.</p>
<table border="1"><tr><th>question</th><th>full points (graded)</th><th>students</th>
<th>most common first failure</th></tr>{table}</table>
</body></html>
"""
