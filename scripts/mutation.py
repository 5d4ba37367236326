"""Mutation testing (``make mutation``): do the tests catch a slip in the code a family or a result trusts?

Each module in ``TESTS`` is mutated one small change at a time by cosmic-ray (in place, on disk, put
back after each run), and only the test files that cover it are run against each mutant, in a
subprocess, one at a time. Of those, a mutant first meets only the tests that execute the function it
is in (one traced run of the module's tests says which: scripts/mutation_plugin.py), and a mutant they
leave alive then meets the others, so the narrowing saves time and never decides a survivor. A mutant
is *killed* when a test fails, a *timeout* when the tests hang, and a *survivor* otherwise. Every
mutant the suite as it was did not kill is listed in
``benchmarks/mutation.json`` with the new test that kills it now (a ``tests/test_mutants_*.py`` file) or
the reason it is equivalent (``tests/mutation_equivalents.toml``: it changes nothing observable). A
survivor without a reason, or a module below ``TARGET``, makes the run exit 1.

Sessions are kept in ``benchmarks/.mutation/`` so that a run carries on where the last one stopped; a
module whose source changed is mutated afresh, and one whose tests changed re-runs only its survivors.

    python scripts/mutation.py [MODULE ...]     # default: every module in TESTS
    python scripts/mutation.py --report         # only the report, from the sessions kept
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import signal
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cosmic_ray.commands import init as cr_init
from cosmic_ray.mutating import mutate_and_test
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkItem, WorkResult

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "benchmarks" / ".mutation"
OUTPUT = ROOT / "benchmarks" / "mutation.json"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.toml"
TARGET = 0.9

# The one map from a module to the test files that cover it (kept short: each runs once per mutant).
# Each module's new killers, tests/test_mutants_<stem>*.py, are added after these automatically, so
# a mutant they kill is known to have survived everything else.
TESTS: dict[str, tuple[str, ...]] = {
    "vfeedback/core/timecode.py": ("tests/test_timecode_frames.py", "tests/test_text_and_bounds.py"),
    "vfeedback/core/frames.py": ("tests/test_timecode_frames.py", "tests/test_frame_spans.py"),
    "vfeedback/core/agreement.py": ("tests/test_agreement.py",),
    "vfeedback/core/slices.py": ("tests/test_agreement.py",),  # agreement's slice columns
    "vfeedback/core/cycles.py": ("tests/test_cycles.py", "tests/test_cycles_coders.py"),
    "vfeedback/core/retention.py": ("tests/test_retention.py",),
    "vfeedback/export/plan.py": ("tests/test_export_plan.py",),
    "vfeedback/export/captions.py": ("tests/test_export_plan.py", "tests/test_text_and_bounds.py"),
    "vfeedback/services/undo.py": (
        "tests/test_undo_batches.py", "tests/test_undo_shared.py", "tests/test_library.py",
        "tests/test_gaps_guards.py",  # the history's pruning past KEEP_ENTRIES
    ),
    "vfeedback/services/consent.py": (
        "tests/test_consent_audit.py", "tests/test_gaps_consent.py", "tests/test_withdrawal.py",
    ),
    # Deletion, and the retention rules and due list (set_retention, due) the same module keeps.
    "vfeedback/services/cases.py": (
        "tests/test_deletion.py", "tests/test_gaps_deletion.py", "tests/test_retention.py",
        "tests/test_reimport_and_retention.py",
    ),
    "vfeedback/services/interchange.py": (
        "tests/test_exchange.py", "tests/test_eaf.py", "tests/test_boris.py", "tests/test_angles_eaf.py",
    ),
    "vfeedback/interchange/eaf.py": ("tests/test_eaf.py", "tests/test_angles_eaf.py"),
    "vfeedback/interchange/eaf_read.py": ("tests/test_eaf.py", "tests/test_angles_eaf.py"),
    "vfeedback/interchange/boris.py": ("tests/test_boris.py",),
    "vfeedback/interchange/table.py": ("tests/test_exchange.py", "tests/test_gaps_csv.py"),
    "vfeedback/interchange/subtitles.py": ("tests/test_exchange.py",),
    "vfeedback/interchange/otio_reel.py": ("tests/test_exchange.py",),
    # The size, gzip and nesting refusals are met through the ELAN and BORIS imports.
    "vfeedback/interchange/limits.py": (
        "tests/test_hostile_input.py", "tests/test_eaf.py", "tests/test_boris.py",
    ),
    "vfeedback/storage/guards.py": ("tests/test_gaps_guards.py", "tests/test_audit_chain.py"),
}

# Test files that use nothing from tests/conftest.py (no fixtures, no Qt): a run of only these skips
# loading it (--noconftest), a second saved per mutant. The run without mutation checks that they pass.
NO_FIXTURES = frozenset({
    "tests/test_timecode_frames.py", "tests/test_frame_spans.py", "tests/test_text_and_bounds.py",
    "tests/test_agreement.py", "tests/test_export_plan.py",
    "tests/test_mutants_timecode.py", "tests/test_mutants_frames.py", "tests/test_mutants_agreement.py",
    "tests/test_mutants_slices.py", "tests/test_mutants_cycles.py", "tests/test_mutants_captions.py",
})

# Slips a person could make: +/- and the other arithmetic, every comparison, and/or, not, numbers off
# by one, a loop that never runs, a swallowed exception. Not a '*' written as '^' or '<<', and not
# '<' written as 'is': those are not slips anyone makes and tests kill them for free, so they would
# only inflate the rate and the running time.
EXCLUDED_OPERATORS = re.compile(
    r"core/ReplaceBinaryOperator_\w+_(BitOr|BitAnd|BitXor|LShift|RShift|Pow)$"
    r"|core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE|Eq|NotEq)_(Is|IsNot)$"
)
# mutation_plugin's switches (scripts/ is on the tests' PYTHONPATH).
TRACE = "VFEEDBACK_MUTATION_TRACE"
TRACE_OUT = "VFEEDBACK_MUTATION_TRACE_OUT"
SELECT = "VFEEDBACK_MUTATION_SELECT"

# Bump when the operators or the skipping rules change: every session is then started afresh.
RULES_VERSION = 1


def slug(module: str) -> str:
    return module.removeprefix("vfeedback/").removesuffix(".py").replace("/", ".")


def test_files(module: str) -> list[str]:
    stem = Path(module).stem
    killers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob(f"test_mutants_{stem}*.py"))
    return [*TESTS[module], *killers]


def test_command(module: str, files: list[str] | None = None) -> str:
    # -x: the first failure decides; -rf names it (the killer). No cache: nothing written per mutant.
    files = files if files is not None else test_files(module)
    light = " --noconftest" if NO_FIXTURES.issuperset(files) else ""
    return (f"{sys.executable} -m pytest -x -q -rf -p no:cacheprovider -p mutation_plugin{light} "
            + " ".join(files))


def function_bodies(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where each function's (and lambda's) body is, innermost last among those that nest. A mutant
    there changes only what the function does when it runs; one anywhere else (a constant, a default
    value, a class body) is made when the module is imported, and every test may see it."""
    bodies = []
    for node in ast.walk(ast.parse(source)):
        first: ast.stmt | ast.expr
        last: ast.stmt | ast.expr
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first, last = node.body[0], node.body[-1]
        elif isinstance(node, ast.Lambda):
            first = last = node.body
        else:
            continue
        if last.end_lineno is not None and last.end_col_offset is not None:
            bodies.append(((first.lineno, first.col_offset), (last.end_lineno, last.end_col_offset)))
    return bodies


def covering_tests(
    item: WorkItem, bodies: list[tuple[tuple[int, int], tuple[int, int]]], lines: dict[str, set[int]],
) -> list[str] | None:
    """The tests that ran the function the mutant is in (quickest first, as ``lines`` is), or None when it
    is outside every function and so needs every test."""
    (mutation,) = item.mutations
    start = tuple(mutation.start_pos)
    around = [(a, b) for a, b in bodies if a <= start < b]
    if not around:
        return None
    (first, _), (last, _) = max(around)  # the innermost: the body that starts last
    return [test for test, ran in lines.items() if any(first <= n <= last for n in ran)]


def trace_lines(module: str, timeout: float) -> dict[str, set[int]]:
    """Which lines of the module each test executes (mutation_plugin's trace mode), from one run, the
    quickest test first."""
    from cosmic_ray.testing import run_tests

    out = STATE / f"{slug(module)}.lines.json"
    os.environ.update({TRACE: str(ROOT / module), TRACE_OUT: str(out)})
    try:
        outcome, output = run_tests(test_command(module), timeout)
    finally:
        for key in (TRACE, TRACE_OUT):
            os.environ.pop(key, None)
    if outcome != TestOutcome.SURVIVED or not out.exists():
        sys.exit(f"mutation: the tests for {module} fail while traced:\n{(output or '')[-3000:]}")
    traced = json.loads(out.read_text())
    lines = {test: set(traced[test]["lines"]) for test in sorted(traced, key=lambda t: traced[t]["seconds"])}
    out.unlink()
    return lines


def run_mutant(
    module: str, item: WorkItem, tests: list[str] | None, every: list[str], timeout: float
) -> WorkResult:
    """First against only the tests that run the mutated function (``tests``); a mutant they leave
    alive, against the rest of ``every`` test (a test the tracing could not see must still have its
    chance to kill it). ``tests`` None: every test at once. Each run takes the quickest test first."""
    chosen = set(tests or ())
    parts = [every] if tests is None else [tests, [t for t in every if t not in chosen]]
    result: WorkResult | None = None
    for part in parts:
        if not part:
            continue
        listing = STATE / f"{slug(module)}.select"
        listing.write_text("\n".join(part) + "\n")
        files = [f for f in test_files(module) if any(t.split("::")[0] == f for t in part)]
        os.environ[SELECT] = str(listing)
        try:
            result = mutate_and_test(item.mutations, test_command(module, files), timeout)
        finally:
            os.environ.pop(SELECT, None)
            listing.unlink()
        if result.worker_outcome != WorkerOutcome.NORMAL or result.is_killed:
            return result
    assert result is not None  # every is never empty: the module's tests ran once already
    return result


def digest(paths: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode() + b"\0" + (ROOT / p).read_bytes())
    return h.hexdigest()


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's type annotations are: with ``from __future__ import annotations`` they are
    never evaluated, so a mutant there changes nothing."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for n in notes:
            if n is not None and n.end_lineno is not None and n.end_col_offset is not None:
                spans.append(((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)))
    return spans


def skipped(item: WorkItem, spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> str | None:
    (mutation,) = item.mutations
    if EXCLUDED_OPERATORS.match(mutation.operator_name):
        return "operator"
    start = tuple(mutation.start_pos)
    if any(a <= start < b for a, b in spans):
        return "annotation"
    return None


@contextlib.contextmanager
def guarded(module: Path) -> Iterator[None]:
    """The module is put back even if the run is stopped (Ctrl-C, a TERM signal), and a run killed
    outright leaves a backup that the next run restores first."""
    backup = STATE / (module.name + ".orig")
    if backup.exists():
        module.write_bytes(backup.read_bytes())
    backup.write_bytes(module.read_bytes())

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        module.write_bytes(backup.read_bytes())
        backup.unlink()
        signal.signal(signal.SIGTERM, previous)


def killer(output: str | None) -> str | None:
    """The test that failed first, from pytest's ``-rf`` summary (or the file that failed to load)."""
    for line in (output or "").splitlines():
        m = re.match(r"(?:FAILED|ERROR) (\S+)", line)
        if m:
            return m.group(1)
    return None


def run_tests_once(module: str) -> float:
    """The tests must pass on the unmutated code, or every mutant would look killed."""
    from cosmic_ray.testing import run_tests

    start = time.monotonic()
    outcome, output = run_tests(test_command(module), 1800)
    if outcome != TestOutcome.SURVIVED:
        sys.exit(f"mutation: the tests for {module} fail without any mutation:\n{output[-3000:]}")
    return time.monotonic() - start


def run_module(module: str) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    db_path = STATE / f"{slug(module)}.sqlite"
    meta_path = STATE / f"{slug(module)}.json"
    source_digest = digest([module]) + f"/{RULES_VERSION}"
    tests_digest = digest(test_files(module))
    meta = json.loads(meta_path.read_text()) if meta_path.exists() and db_path.exists() else {}
    path = ROOT / module
    # Python must not read a cached module compiled before a mutation of the same size and second.
    for pyc in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        pyc.unlink()
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "scripts")])
    # Test media made once for the whole run, not again for every mutant (tests/conftest.py media).
    os.environ.setdefault("VFEEDBACK_TEST_MEDIA", str(STATE / "media"))
    baseline = run_tests_once(module)
    timeout = max(30.0, 5 * baseline)
    spans = annotation_spans(path.read_text())
    bodies = function_bodies(path.read_text())

    with use_db(str(db_path), WorkDB.Mode.create) as db:
        if meta.get("source") != source_digest:
            cr_init([Path(module)], db, {})
            for item in db.pending_work_items:
                why = skipped(item, spans)
                if why:
                    db.set_result(item.job_id, WorkResult(output=why, worker_outcome=WorkerOutcome.SKIPPED))
        elif meta.get("tests") != tests_digest:
            # New or changed tests: only what they could change is run again.
            again = [
                job for job, result in db.results
                if result.worker_outcome == WorkerOutcome.NORMAL
                and (result.test_outcome == TestOutcome.SURVIVED or is_new_killer(killer(result.output)))
            ]
            delete_results(db_path, again)
        meta = {"source": source_digest, "tests": tests_digest}
        meta_path.write_text(json.dumps(meta))

        pending = list(db.pending_work_items)
        print(f"mutation: {module}: {len(pending)} mutants to run ({baseline:.1f} s of tests each at most)",
              flush=True)
        lines = trace_lines(module, 3 * timeout) if pending else {}
        with guarded(path):
            for n, item in enumerate(pending, 1):
                result = run_mutant(module, item, covering_tests(item, bodies, lines), list(lines), timeout)
                if result.worker_outcome == WorkerOutcome.NORMAL and result.is_killed:
                    # Keep only the killer's name: the rest of a failing run is not worth storing.
                    result = WorkResult(
                        worker_outcome=result.worker_outcome, test_outcome=result.test_outcome,
                        diff=result.diff,
                        output="timeout" if result.output == "timeout" else f"FAILED {killer(result.output)}",
                    )
                db.set_result(item.job_id, result)
                if n % 25 == 0:
                    print(f"mutation: {module}: {n}/{len(pending)}", flush=True)


def is_new_killer(test: str | None) -> bool:
    return bool(test) and Path(str(test).split("::")[0]).name.startswith("test_mutants_")


def delete_results(db_path: Path, jobs: list[str]) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(db_path)) as con, con:
        con.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in jobs])


def load_equivalents() -> dict[tuple[str, int, str], str]:
    if not EQUIVALENTS.exists():
        return {}
    data = tomllib.loads(EQUIVALENTS.read_text())
    return {(e["file"], int(e["line"]), e["mutant"].strip()): e["reason"] for e in data.get("equivalent", [])}


def change_of(diff: str | None) -> tuple[str, str]:
    """The changed line before and after, from the unified diff. Blank lines are left out: a mutant
    on a file's last line comes with the end of the file as a second, empty change, which would
    otherwise make its text end in " / " and never match a reason."""
    lines = (diff or "").splitlines()
    changed = [ln for ln in lines if ln[1:].strip() and not ln.startswith(("---", "+++"))]
    old = [ln[1:].strip() for ln in changed if ln.startswith("-")]
    new = [ln[1:].strip() for ln in changed if ln.startswith("+")]
    return " / ".join(old), " / ".join(new)


def summarise(module: str, equivalents: dict[tuple[str, int, str], str]) -> dict[str, Any] | None:
    db_path = STATE / f"{slug(module)}.sqlite"
    if not db_path.exists():
        return None
    killed = survived = timeout = skipped_n = 0
    survivors: list[dict[str, Any]] = []
    not_made: list[dict[str, Any]] = []
    with use_db(str(db_path), WorkDB.Mode.open) as db:
        items = {item.job_id: item for item in db.work_items}
        results = dict(db.results)
    for job, item in items.items():
        result = results.get(job)
        if result is None:
            continue
        if result.worker_outcome == WorkerOutcome.SKIPPED:
            skipped_n += 1
            continue
        (mutation,) = item.mutations
        if result.worker_outcome == WorkerOutcome.EXCEPTION:
            # cosmic-ray could not make this mutant (e.g. its ExceptionReplacer on ``except (zlib.error,
            # ...)``): nothing ran, so it counts neither way, and the report says which.
            not_made.append({
                "file": module, "line": mutation.start_pos[0], "operator": mutation.operator_name,
                "error": ((result.output or "").strip().splitlines() or [""])[-1],
            })
            continue
        line = mutation.start_pos[0]
        was, now = change_of(result.diff)
        entry: dict[str, Any] = {
            "file": module, "line": line, "change": f"{was}  =>  {now}",
            "operator": mutation.operator_name, "function": mutation.definition_name,
        }
        if result.output == "timeout":
            timeout += 1
        elif result.is_killed:
            killed += 1
            test = killer(result.output)
            if is_new_killer(test):
                survivors.append({**entry, "killed_by": test})
        else:
            survived += 1
            entry["equivalent"] = equivalents.get((module, line, now))
            survivors.append(entry)
    total = killed + survived + timeout
    equivalent = sum(1 for s in survivors if s.get("equivalent"))
    return {
        "complete": total + skipped_n + len(not_made) == len(items),
        "mutants": total, "killed": killed, "survived": survived, "timeout": timeout,
        "equivalent": equivalent,
        **rates(killed + timeout, total, equivalent),
        "survivors": sorted(survivors, key=lambda s: s["line"]),
        "not_made": not_made,
    }


def rates(killed: int, total: int, equivalent: int) -> dict[str, float | None]:
    """The mutation score: killed (timeouts included) over the mutants that could be killed, that is
    all but the equivalent ones; and the raw rate over all of them, equivalents counted as survivors."""
    return {
        "kill_rate": round(killed / (total - equivalent), 4) if total > equivalent else None,
        "raw_kill_rate": round(killed / total, 4) if total else None,
    }


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    # --report: only write benchmarks/mutation.json from the sessions kept, running nothing.
    report_only = "--report" in argv
    argv = [a for a in argv if a != "--report"]
    chosen = [] if report_only else argv or list(TESTS)
    unknown = [m for m in chosen if m not in TESTS]
    if unknown:
        print(f"mutation: not in the map (scripts/mutation.py TESTS): {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        for module in chosen:
            run_module(module)
    except KeyboardInterrupt:
        print("mutation: stopped; the modules are as they were, and the next run carries on from here")
        return 130

    equivalents = load_equivalents()
    modules = {m: s for m in TESTS if (s := summarise(m, equivalents)) is not None}
    killed = sum(s["killed"] for s in modules.values())
    survived = sum(s["survived"] for s in modules.values())
    timeout = sum(s["timeout"] for s in modules.values())
    total = killed + survived + timeout
    equivalent = sum(s["equivalent"] for s in modules.values())
    report = {
        "tool": "cosmic-ray", "target": TARGET,
        "killed": killed, "survived": survived, "timeout": timeout, "equivalent": equivalent,
        **rates(killed + timeout, total, equivalent),
        "survivors": [s for m in modules.values() for s in m["survivors"]],
        "modules": {m: {k: v for k, v in s.items() if k != "survivors"} for m, s in modules.items()},
        "skipped_operators": EXCLUDED_OPERATORS.pattern,
        "not_run": [m for m in TESTS if m not in modules],
    }
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n")

    failed = False
    for m, s in modules.items():
        print(f"mutation: {m}: {s['killed']} killed, {s['survived']} survived ({s['equivalent']} "
              f"equivalent), {s['timeout']} timeout, kill rate {s['kill_rate']} (raw {s['raw_kill_rate']})"
              + ("" if s["complete"] else " (incomplete)"))
        if s["kill_rate"] is not None and s["kill_rate"] < TARGET:
            print(f"mutation: {m} kills {s['kill_rate']} of its mutants, below the target {TARGET}")
            failed = True
    for s in report["survivors"]:
        if not s.get("killed_by") and not s.get("equivalent"):
            print(f"mutation: survivor without a test or a reason: {s['file']}:{s['line']}: {s['change']}")
            failed = True
    print(f"mutation: {killed} killed, {survived} survived ({equivalent} equivalent), {timeout} timeout, "
          f"kill rate {report['kill_rate']} (raw {report['raw_kill_rate']}) ({OUTPUT.relative_to(ROOT)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
