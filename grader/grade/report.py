"""The class report: ``OUT/report.html``, one self-contained page for the instructor.

It opens offline in any browser: the plots are PNGs embedded as ``data:`` URIs, the style sheet
and the table-sorting script are inline, and every link is relative to ``OUT`` (the feedback
files, the submitted notebooks, an integrity side-by-side page when one was written). Sections:

1. status counts, each status explained;
2. the per-student table (id, name from the roster, status, total, links, points per question,
   integrity codes), sortable by clicking a column head; a manual question not scored yet shows
   ``manual: pending``;
3. score histogram (integer ticks: students are counted whole) and the share of graded students
   with full points per question;
4. per-question difficulty: for each question, how many graded students had full points, and
   every distinct FIRST failure (the first failing check of the question; later checks often fail
   only because of it) with how many students it was the first failure of, in full;
5. integrity: the similar pairs read from the ``integrity`` column's ``sim:a,b(score)`` codes,
   the other codes per student, and links to ``integrity*.html`` / ``integrity/*.html`` if present;
6. roster findings (missing students, unmatched files, duplicates) and the grading settings.
"""

from __future__ import annotations

import base64
import collections
import datetime
import html
import io
import os
import re
from pathlib import Path
from urllib.parse import quote

from grader import atomic
from grader.grade.autograder import Autograder
from grader.textsafe import safe_stem

COUNT_MEANING = ("students whose FIRST failing check of the question ended with this message "
                 "(later checks of the same question are not counted: they often fail only because the first did)")
STATUS_MEANING = {
    "graded": "the notebook ran; points as computed",
    "missing": "on the roster, no file submitted: 0 points",
    "pending": "not graded yet: run the same command again",
    "timeout": "stopped at the wall-clock limit; points of the checks that ran",
    "memory": "ran out of memory",
    "output-limit": "printed more than the output cap",
    "disk-limit": "filled its folder's disk quota",
    "crashed": "the run ended without results",
    "invalid-notebook": "not a runnable notebook",
    "not-a-notebook": "not a Jupyter notebook at all",
}
SIMILAR = re.compile(r"^sim:([^,]+),(.+)\(([0-9.]+)\)$")
PENDING_MANUAL = "manual: pending"


# --- figures -----------------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def score_histogram(totals: list[float], possible: float):
    """The histogram of ``totals`` (N students) over 0..``possible``; both axes have integer ticks."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(totals, bins=10, range=(0, possible or 1), edgecolor="white")
    ax.set_xlabel("total points")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlim(0, possible or 1)
    ax.set_title(f"Totals of {len(totals)} graded submissions")
    return fig


def pass_rate_figure(questions: list[str], full: list[float]):
    """Bar chart: share of graded students with full points, per question."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(questions, full)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share with full points")
    ax.set_title("Share of graded students with full points, per question")
    ax.tick_params(axis="x", labelrotation=45)
    return fig


def _data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, bbox_inches="tight", format="png")
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- numbers -----------------------------------------------------------------------------------

def first_failures(failures: list[dict]) -> dict[str, str]:
    """Question -> last line (in full) of its first listed failure (failures are in check order)."""
    found: dict[str, str] = {}
    for f in failures:
        found.setdefault(f["question"], (f["message"].strip().splitlines() or [""])[-1])
    return found


def failure_counts(entries: list[dict], autograder: Autograder) -> dict[str, collections.Counter]:
    """Per question: first-failure message -> number of students for whom it was the first failure."""
    counts = {q: collections.Counter() for q in autograder.questions}
    for entry in entries:
        for q, message in first_failures(entry.get("failures", [])).items():
            counts.setdefault(q, collections.Counter())[message] += 1
    return counts


def most_common_failures(entries: list[dict], autograder: Autograder) -> dict[str, tuple[str, int]]:
    """Per question: (most frequent first-failure message, how many students had it first)."""
    return {q: (c.most_common(1)[0] if c else ("", 0)) for q, c in failure_counts(entries, autograder).items()}


def manual_line(rows: list[dict], autograder: Autograder) -> str:
    """``q6 (8 points): 3 of 10 scored, mean 5.5; q7_bias (2 points): none scored yet``
    (students without a submission are not counted)."""
    rows = [r for r in rows if r.get("status") != "missing"]
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


def similar_pairs(rows: list[dict]) -> list[tuple[str, str, float]]:
    """``(a, b, score)`` from the ``sim:a,b(score)`` codes of the ``integrity`` column, each pair
    once, highest score first."""
    pairs = {}
    for row in rows:
        for code in (row.get("integrity") or "").split():
            found = SIMILAR.match(code)
            if found:
                a, b, score = found.group(1), found.group(2), float(found.group(3))
                pairs[tuple(sorted((a, b)))] = score
    return sorted(((a, b, s) for (a, b), s in pairs.items()), key=lambda p: (-p[2], p[0], p[1]))


# --- links -------------------------------------------------------------------------------------

def _href(out: Path, target: Path) -> str:
    return quote(os.fsencode(os.path.relpath(target, out).replace(os.sep, "/")))  # bytes: undecodable names too


def student_links(out: Path, entry: dict, submissions_dir: Path | None) -> dict[str, str]:
    """``{"feedback": href, "notebook": href}``, each only when its file exists (hrefs relative to ``out``)."""
    links = {}
    feedback = out / "feedback" / f"{safe_stem(entry['row']['id'])}.md"
    if feedback.is_file():
        links["feedback"] = _href(out, feedback)
    if submissions_dir is not None and entry.get("file"):
        notebook = Path(submissions_dir) / entry["file"]
        if notebook.is_file():
            links["notebook" if notebook.suffix == ".ipynb" else "submitted zip"] = \
                _href(out.resolve(), notebook.resolve())
    return links


def integrity_pages(out: Path) -> list[str]:
    """Hrefs of the integrity side-by-side pages written into ``out`` (if any)."""
    pages = sorted([*out.glob("integrity*.html"), *out.glob("integrity/**/*.html")])
    return [_href(out, p) for p in pages if p.is_file()]


# --- the page ----------------------------------------------------------------------------------

def write_report(out: Path, entries: list[dict], autograder: Autograder, settings: dict | None = None, *,
                 submissions_dir: Path | None = None, students=(), findings=()) -> Path:
    """Write ``report.html`` from state entries (``row``, ``failures``, ``file``); returns its path.
    ``students`` (roster :class:`~grader.submissions.roster.Student`) give the names; ``findings``
    are the roster's lines (missing, unmatched, duplicates)."""
    out = Path(out)
    rows = [e["row"] for e in entries]
    graded = [r for r in rows if r["status"] == "graded"]
    auto = [q for q, points in autograder.questions.items() if points > 0]  # not manual ones
    full = [sum(float(r[q]) >= autograder.questions[q] for r in graded) / max(len(graded), 1) for q in auto]
    names = {s.id: s.name for s in students}
    body = "\n".join([
        _status_section(rows),
        _student_table(out, entries, autograder, names, submissions_dir),
        "<h2>Scores</h2>",
        f'<img src="{_data_uri(score_histogram([float(r["total"]) for r in graded], autograder.possible))}" '
        'alt="histogram of the totals of graded submissions">',
        f'<img src="{_data_uri(pass_rate_figure(auto, full))}" alt="share with full points per question">',
        _difficulty_section(entries, autograder, auto, graded),
        _integrity_section(out, rows),
        _findings_section(findings),
        _settings_section(settings, manual_line(rows, autograder)),
    ])
    path = out / "report.html"
    atomic.write_text(path, PAGE.format(style=STYLE, script=SCRIPT, count=len(rows), body=body))
    return path


def _status_section(rows: list[dict]) -> str:
    counts = collections.Counter(r["status"] for r in rows)
    items = "".join(f"<tr><td>{html.escape(s)}</td><td class=num>{n}</td>"
                    f"<td>{html.escape(STATUS_MEANING.get(s, ''))}</td></tr>" for s, n in sorted(counts.items()))
    return ("<h2>Status counts</h2><table><thead><tr><th>status</th><th>students</th><th>meaning</th></tr>"
            f"</thead><tbody>{items}</tbody></table>")


def _cell(row: dict, q: str, autograder: Autograder) -> str:
    value = row.get(q)
    if q in autograder.manual and value in ("", None):
        return PENDING_MANUAL if row.get("total") not in ("", None) else ""
    return "" if value in ("", None) else f"{float(value):g}"


def _student_table(out: Path, entries: list[dict], autograder: Autograder, names: dict,
                   submissions_dir: Path | None) -> str:
    questions = list(autograder.questions)
    head = ["id", *(["name"] if names else []), "status", "total", "links", *questions, "integrity"]
    lines = []
    for entry in entries:
        row = entry["row"]
        links = student_links(out, entry, submissions_dir)
        link_html = " ".join(f'<a href="{href}">{kind}</a>' for kind, href in links.items())
        cells = [row["id"], *([names.get(row["id"], "")] if names else []), row["status"],
                 "" if row.get("total") in ("", None) else f"{float(row['total']):g}"]
        after = [*(_cell(row, q, autograder) for q in questions), row.get("integrity") or ""]
        lines.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                     + f"<td>{link_html}</td>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in after) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f"<h2>Students</h2><p>One row per student (click a column head to sort). Points out of: "
            + ", ".join(f"{q} {p:g}" for q, p in autograder.points.items())
            + f"; total {autograder.possible:g}.</p>"
            f'<div class="wide"><table class="sortable" id="students"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></div>")


def _difficulty_section(entries, autograder: Autograder, questions: list[str], graded: list[dict]) -> str:
    counts = failure_counts([e for e in entries if e["row"]["status"] == "graded"], autograder)
    parts = [f"<h2>Difficulty per question</h2><p>Over the {len(graded)} graded students. A failure's count is "
             f"the number of {html.escape(COUNT_MEANING)}.</p>"]
    for q in questions:
        n_full = sum(float(r[q]) >= autograder.questions[q] for r in graded)
        mean = sum(float(r[q]) for r in graded) / len(graded) if graded else 0.0
        parts.append(f"<h3>{html.escape(q)} ({autograder.questions[q]:g} points)</h3>"
                     f"<p>{n_full} of {len(graded)} graded students had full points; mean {mean:.2f} points.</p>")
        if counts.get(q):
            items = "".join(f"<li><b>{n} student{'s' if n != 1 else ''}</b>: <pre>{html.escape(m)}</pre></li>"
                            for m, n in counts[q].most_common())
            parts.append(f"<ul class=failures>{items}</ul>")
    return "".join(parts)


def _integrity_section(out: Path, rows: list[dict]) -> str:
    if not any("integrity" in r for r in rows):
        return "<h2>Integrity</h2><p>No integrity checks in this gradebook (no <code>integrity</code> column).</p>"
    pairs = similar_pairs(rows)
    flagged = [(r["id"], r["integrity"]) for r in rows if r.get("integrity")]
    parts = ["<h2>Integrity</h2><p>Signals for the instructor to look at; they never change the points.</p>"]
    parts.append("<h3>Similar pairs</h3>" + ("<table><thead><tr><th>student</th><th>student</th><th>similarity</th>"
                 "</tr></thead><tbody>" + "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
                                                  f"<td class=num>{s:.2f}</td></tr>" for a, b, s in pairs)
                 + "</tbody></table>" if pairs else "<p>No pair above the threshold.</p>"))
    pages = integrity_pages(out)
    if pages:
        parts.append("<p>Side by side: " + " ".join(f'<a href="{h}">{html.escape(h)}</a>' for h in pages) + "</p>")
    parts.append("<h3>Codes per student</h3>" + ("<ul>" + "".join(
        f"<li>{html.escape(sid)}: <code>{html.escape(codes)}</code></li>" for sid, codes in flagged) + "</ul>"
        if flagged else "<p>None.</p>"))
    return "".join(parts)


def _findings_section(findings) -> str:
    if not findings:
        return ""
    return "<h2>Roster</h2><ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in findings) + "</ul>"


def _settings_section(settings: dict | None, manual: str) -> str:
    settings = settings or {}
    shown = {"graded with": settings_line(settings) if settings else "unknown",
             "autograder sha256": settings.get("autograder_sha256", "unknown"),
             "limits per submission": settings.get("limits", "unknown"),
             "submissions at once": settings.get("jobs", "unknown"),
             "report written": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    if manual:
        shown["Graded by hand"] = manual
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in shown.items())
    return f"<h2>Grading settings</h2><dl>{items}</dl>"


STYLE = """body{font-family:system-ui,sans-serif;max-width:75rem;margin:1rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
th{background:#eee}table.sortable th{cursor:pointer}td.num{text-align:right}
tbody tr:nth-child(even){background:#f7f7f7}pre{white-space:pre-wrap;margin:.2rem 0;font-size:.9em}
img{max-width:48%;margin:.5rem 1%}div.wide{overflow-x:auto}
#students{font-size:.9em}#students td{white-space:nowrap}dt{font-weight:bold}dd{margin:0 0 .4rem 1rem}"""

# Sorts a table by the clicked column: numbers as numbers, the rest as text; a second click reverses.
SCRIPT = """document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.from(body.rows);
    var dir = th.dataset.dir === "asc" ? -1 : 1;
    th.closest("tr").querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = dir === 1 ? "asc" : "desc";
    function key(r) { var t = r.cells[col].textContent.trim(), n = parseFloat(t);
      return t !== "" && !isNaN(n) && isFinite(t) ? [0, n] : [1, t.toLowerCase()]; }
    rows.sort(function (a, b) { var x = key(a), y = key(b);
      if (x[0] !== y[0]) return (x[0] - y[0]) * dir;
      return (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) * dir; });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class report</title><style>{style}</style></head><body>
<h1>Class report</h1>
<p>{count} rows (students, and files not on the roster if any).</p>
{body}
<script>{script}</script>
</body></html>
"""
