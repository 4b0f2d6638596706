"""Mutation testing of the rule modules with mutmut: ``make mutation`` (not part of ``make test``).

Each rule module is mutated on its own, in a scratch copy of the project, and its mutants run only
that module's fast unit tests (no database, no Redis). The kill rate of every module is printed; the
command fails when any module is under the threshold (90 % unless ``--threshold`` says otherwise).

    python -m tests.mutation.run                 # every module
    python -m tests.mutation.run workdays idnumber --children 1

A mutant counts as killed when a test fails or it times out; it survives when every test passes.
Mutants no selected test reaches ("no tests") count as survivors too. Accepted survivors, and why
each is harmless, are in tests/mutation/SURVIVORS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = 90.0


@dataclass(frozen=True)
class Target:
    name: str
    sources: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = (
    Target("calculator", ("services/income/calculation/calculator.py",), ("tests/income/test_calculator.py",)),
    Target("workdays", ("shared/domain/workdays.py",), ("tests/shared/test_workdays.py",)),
    Target("deadlines", ("shared/domain/deadlines.py",), ("tests/shared/test_workdays.py",)),
    Target("idnumber", ("shared/domain/idnumber.py",), ("tests/shared/test_idnumber.py",)),
    Target("visit_form", ("shared/domain/visit_form.py",), ("tests/domain/test_visit_form.py",)),
    Target(
        "cases",
        ("services/ledger/cases/machine.py", "services/ledger/cases/elimination.py"),
        ("tests/ledger/test_elimination_conditions.py", "tests/ledger/test_case_properties.py"),
    ),
    Target("alerts_scan", ("services/alerts/alerts/decisions.py",), ("tests/alerts/test_scan_decisions.py",)),
)

KILLED = {"killed", "timeout", "segfault"}


def _pytest_settings() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["pytest"]["ini_options"]


def _toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write_config(work: Path, target: Target) -> None:
    lines = ["[tool.pytest.ini_options]"]
    for key, value in _pytest_settings().items():
        lines.append(f"{key} = {_toml_value(value)}")
    lines += [
        "",
        "[tool.mutmut]",
        f'source_paths = {_toml_value(["shared", "services"])}',
        f"only_mutate = {_toml_value(list(target.sources))}",
        f'also_copy = {_toml_value(["README.md"])}',
        f"pytest_add_cli_args_test_selection = {_toml_value(list(target.tests))}",
        # the tests only need the tree copied below; nothing may reach outside it
        f'pytest_add_cli_args = {_toml_value(["-q", "-p", "no:cacheprovider", "-x"])}',
        "use_git_change_detection = false",
    ]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _copy_tree(work: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "mutants")
    for name in ("shared", "services", "tests"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    shutil.copy2(ROOT / "README.md", work / "README.md")  # the case diagrams are checked against it


def _results(work: Path) -> dict[str, str]:
    """Mutant name → status, from ``mutmut results --all true``."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout
    statuses = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status.strip()
    return statuses


def run_target(target: Target, *, children: int, keep: bool) -> tuple[int, int, list[str]]:
    work = Path(tempfile.mkdtemp(prefix=f"mutation-{target.name}-"))
    try:
        _copy_tree(work)
        _write_config(work, target)
        env = {**os.environ, "PYTHONPATH": str(work)}
        proc = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)],
            cwd=work, env=env, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            raise SystemExit(f"{target.name}: mutmut run failed ({proc.returncode})")
        statuses = _results(work)
        killed = sum(1 for s in statuses.values() if s in KILLED)
        survivors = sorted(f"{n}: {s}" for n, s in statuses.items() if s not in KILLED)
        return killed, len(statuses), survivors
    finally:
        if keep:
            print(f"  scratch copy kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module names (default: all)")
    parser.add_argument("--children", type=int, default=2, help="parallel mutant workers (default 2)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies for `mutmut show`")
    args = parser.parse_args(argv)
    chosen = [t for t in TARGETS if not args.modules or t.name in args.modules]
    unknown = set(args.modules) - {t.name for t in TARGETS}
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; known: {[t.name for t in TARGETS]}")
    failed = []
    for target in chosen:
        killed, total, survivors = run_target(target, children=args.children, keep=args.keep)
        rate = 100.0 * killed / total if total else 100.0
        print(f"{target.name:12} {killed:4}/{total:<4} killed  {rate:5.1f} %", flush=True)
        for line in survivors:
            print(f"    survived  {line}")
        if rate < args.threshold:
            failed.append(target.name)
    if failed:
        print(f"under {args.threshold:g} %: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
