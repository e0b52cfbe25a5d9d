"""The GitHub workflows pass actionlint and do what the book's CI promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    """Path of the actionlint binary installed in this environment."""
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert found, "actionlint is not installed (it comes with requirements.txt)"
    return found


def load(name: str) -> dict:
    """A workflow as YAML; `on` stays a string key."""
    text = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=yaml.BaseLoader)  # BaseLoader keeps `on` as "on", not True
    return data


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"book.yml", "tests.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_passes(workflow: Path) -> None:
    result = subprocess.run([actionlint(), str(workflow)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.evnt_name }}\n",
        encoding="utf-8",
    )
    result = subprocess.run([actionlint(), str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "evnt_name" in result.stdout


def test_book_workflow_triggers_and_strict_build() -> None:
    book = load("book.yml")
    assert set(book["on"]) >= {"pull_request", "push", "schedule"}
    assert book["on"]["push"]["branches"] == ["main"]
    assert book["defaults"]["run"]["shell"] == "bash"
    steps = book["jobs"]["build"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "-r requirements.txt" in runs and "make book" in runs and "make browser-test" in runs
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "jupyter-book build . -W -n --keep-going" in makefile
    reports = next(s for s in steps if s.get("with", {}).get("path") == "_build/html/reports")
    assert reports["if"] == "failure()"


def test_weekly_run_uses_newest_releases() -> None:
    book = load("book.yml")
    assert book["on"]["schedule"][0]["cron"].split()[4] in {str(d) for d in range(7)}
    latest = [s for s in book["jobs"]["build"]["steps"] if s.get("if") == "github.event_name == 'schedule'"]
    assert latest and "--upgrade" in latest[0]["run"]


def test_pages_deploy_only_from_main() -> None:
    book = load("book.yml")
    steps = book["jobs"]["build"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert "refs/heads/main" in upload["if"]
    deploy = book["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"]["group"]
    assert "refs/heads/main" in deploy["if"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert book["permissions"] == {"contents": "read"}


def test_tests_workflow_runs_make_test() -> None:
    tests = load("tests.yml")
    assert any(s.get("run") == "make test" for s in tests["jobs"]["test"]["steps"])
