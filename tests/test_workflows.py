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
    assert "make book" in runs and "make freshness-test" in runs and "make browser-test" in runs
    locked = [s for s in steps if s.get("if") == "github.event_name != 'schedule'" and "run" in s]
    assert locked and "--require-hashes -r requirements.lock" in locked[0]["run"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "jupyter-book build . -W -n --keep-going" in makefile
    reports = next(s for s in steps if s.get("with", {}).get("path") == "_build/html/reports")
    assert reports["if"] == "failure()"


def test_weekly_run_uses_newest_releases() -> None:
    book = load("book.yml")
    assert book["on"]["schedule"][0]["cron"].split()[4] in {str(d) for d in range(7)}
    latest = [s for s in book["jobs"]["build"]["steps"] if s.get("if") == "github.event_name == 'schedule'"]
    assert latest and "--upgrade" in latest[0]["run"]
    assert "requirements.txt" in latest[0]["run"] and "requirements.lock" not in latest[0]["run"]


def test_execution_cache_is_keyed_on_what_outputs_depend_on() -> None:
    steps = load("book.yml")["jobs"]["build"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["if"] == "github.event_name != 'schedule'"  # the weekly build starts empty
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] in cache["with"]["path"].split()
    assert "_build/.deps-hash" in cache["with"]["path"].split()
    key = cache["with"]["key"]
    for part in ("book/**", "minigrad/**", "requirements.lock", "requirements.txt", "_config.yml"):
        assert f"'{part}'" in key
    assert all(key.startswith(prefix) for prefix in cache["with"]["restore-keys"].splitlines())


def test_make_book_clears_the_execution_cache_when_dependencies_change() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert f"EXEC_CACHE := {config['execute']['cache']}" in makefile
    assert "rm -rf $(EXEC_CACHE)" in makefile and "all=--all" in makefile
    deps = next(line for line in makefile.splitlines() if line.startswith("BOOK_DEPS"))
    for path in ("minigrad", "pyproject.toml", "requirements.lock", "_config.yml", "$(TOC)"):
        assert f" {path}" in deps
    assert config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert "step make freshness-test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (names normalised as pip does)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==")
            found[name.strip().lower().replace("_", "-")] = version.split()[0].rstrip("\\")
    return found


def test_lock_pins_every_direct_dependency_with_hashes() -> None:
    lock = ROOT / "requirements.lock"
    direct, locked = pins(ROOT / "requirements.txt"), pins(lock)
    assert direct and all(locked.get(name) == version for name, version in direct.items())
    assert len(locked) > 2 * len(direct)  # the transitive dependencies too
    entries = lock.read_text(encoding="utf-8").split("==")[1:]
    assert all("--hash=sha256:" in entry for entry in entries)
    assert "minigrad" not in locked
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(STAMP): requirements.lock" in makefile and "--require-hashes -r requirements.lock" in makefile
    assert "pip-compile" in makefile and "--generate-hashes" in makefile


def test_build_report_page_is_in_the_book() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    afterwards = next(part for part in toc["parts"] if part["caption"] == "Afterwards")
    assert {"file": "book/build_report"} in afterwards["chapters"]
    assert "```{nb-exec-table}" in (ROOT / "book" / "build_report.md").read_text(encoding="utf-8")


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
