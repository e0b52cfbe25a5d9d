"""Sphinx extension: every chapter downloadable as .ipynb, and a Colab button that opens it.

sphinx-book-theme copies each executed chapter to ``_sources/<page>.ipynb`` and
offers it through its download button. This extension

- prepends a setup cell that installs what the chapter imports and the reader's
  Python lacks (Colab, a downloaded notebook), pinned: the Python packages at the
  versions of requirements.txt, minigrad from the repository at the commit the
  book was built from (glued values need nothing more: `minigrad.teaching.glue`),
- leaves out sphinx-thebe's scripts when Thebe is off, and
- points the Colab button at ``<page>.ipynb`` on the branch named by
  ``book_notebooks_branch``, because Colab opens only notebooks stored on GitHub.
"""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

SETUP_TAG = "minigrad-setup"


# What a chapter may import that a reader's Python can lack, by import name: the
# pinned requirement is read from requirements.txt (jax needs its jaxlib too).
COMPANIONS = {"jax": ("jaxlib",)}


def pinned_requirements(root: Path) -> dict[str, str]:
    """``{name: "name==version"}`` for every ``==`` pin in ``requirements.txt``."""
    pins = {}
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            pins[line.split("==")[0].strip().lower()] = line
    return pins


def imported_modules(nb: dict) -> set[str]:
    """Top-level names of the modules a notebook's code cells import."""
    names: set[str] = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def chapter_needs(nb: dict, pins: dict[str, str], minigrad_spec: str) -> dict[str, list[str]]:
    """``{module: [requirements]}``: what to install when ``module`` cannot be imported."""
    needs: dict[str, list[str]] = {}
    for name in sorted(imported_modules(nb)):
        if name == "minigrad":
            needs[name] = [minigrad_spec]
        elif name in pins:
            needs[name] = [pins[name]] + [pins[c] for c in COMPANIONS.get(name, ()) if c in pins]
    return needs


def setup_cell(needs: dict[str, list[str]]) -> dict[str, Any]:
    """A code cell that installs, pinned, what the chapter imports and the reader's
    Python lacks (nothing in the book's own environment or on Binder)."""
    table = "".join(f"    {name!r}: {reqs!r},\n" for name, reqs in needs.items())
    source = (
        "# Setup: install what this chapter imports and your Python lacks (pinned to the book's versions).\n"
        "import importlib, importlib.util, subprocess, sys\n"
        "\n"
        "needs = {\n" + table + "}\n"
        "missing = [r for m, reqs in needs.items() if importlib.util.find_spec(m) is None for r in reqs]\n"
        "if missing:\n"
        "    print('Installing', ', '.join(missing))\n"
        "    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q', *missing])\n"
        "    importlib.invalidate_caches()"
    )
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": SETUP_TAG,
        "metadata": {"tags": [SETUP_TAG]},
        "outputs": [],
        "source": source,
    }


def source_ref(root: Path, branch: str) -> str:
    """The commit the book is built from (so a notebook installs the minigrad it
    was executed with), or ``branch`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return branch
    return out.stdout.strip() or branch


def _repo_parts(app: Sphinx) -> tuple[str, str]:
    opts = app.config.html_theme_options
    return opts.get("repository_url", "").rstrip("/"), opts.get("repository_branch", "main") or "main"


def _rewrite_colab(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Point the Colab launch button at the chapter's .ipynb on the notebooks branch."""
    if not context.get("ipynb_source"):
        return
    app.book_notebooks_pages.add(pagename)
    repo_url, _ = _repo_parts(app)
    slug = repo_url.split("github.com/")[-1]
    colab = app.config.html_theme_options.get("launch_buttons", {}).get("colab_url", "").rstrip("/")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if button.get("text") == "Colab" and colab and slug:
                button["url"] = (
                    f"{colab}/github/{slug}/blob/{app.config.book_notebooks_branch}/{pagename}.ipynb"
                )


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Without the Thebe button, leave out sphinx-thebe's scripts: they name a CDN and declare twice."""
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return

    def keep(asset: Any) -> bool:
        body = getattr(asset, "attributes", {}).get("body", "")
        return "thebe" not in (getattr(asset, "filename", None) or "") and "THEBE_JS_URL" not in body

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if keep(asset)]


def _write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Write ``_sources/<page>.ipynb``: the executed chapter with a setup cell in front."""
    if exception is not None or app.builder.format != "html":
        return
    repo_url, branch = _repo_parts(app)
    root = Path(app.srcdir)
    pins = pinned_requirements(root)
    minigrad_spec = f"minigrad @ git+{repo_url}@{source_ref(root, branch)}"
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    for pagename in sorted(app.book_notebooks_pages):
        nb = json.loads((executed_dir / f"{pagename}.ipynb").read_text(encoding="utf-8"))
        if not any(SETUP_TAG in c.get("metadata", {}).get("tags", []) for c in nb["cells"]):
            cell = setup_cell(chapter_needs(nb, pins, minigrad_spec))
            if (nb["nbformat"], nb["nbformat_minor"]) < (4, 5):
                del cell["id"]
            nb["cells"].insert(0, cell)
        nb.setdefault("metadata", {})["colab"] = {"provenance": []}
        target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    app.add_config_value("book_notebooks_branch", "notebooks", "html")
    app.book_notebooks_pages = set()
    app.connect("html-page-context", _rewrite_colab, priority=502)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("build-finished", _write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
