"""Sphinx extension: every chapter downloadable as .ipynb, and a Colab button that opens it.

sphinx-book-theme copies each executed chapter to ``_sources/<page>.ipynb`` and
offers it through its download button. This extension

- prepends a setup cell that installs minigrad from the repository when it is
  missing (Colab, Binder, a downloaded notebook),
- leaves out sphinx-thebe's scripts when Thebe is off, and
- points the Colab button at ``<page>.ipynb`` on the branch named by
  ``book_notebooks_branch``, because Colab opens only notebooks stored on GitHub.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

SETUP_TAG = "minigrad-setup"


def setup_cell(repository_url: str, branch: str) -> dict[str, Any]:
    """A code cell that installs minigrad from the repository when it cannot be imported."""
    source = (
        "# Outside the book's repository (Colab, Binder, a downloaded notebook), install minigrad.\n"
        "try:\n"
        "    import minigrad  # noqa: F401\n"
        "except ImportError:\n"
        f'    %pip install -q "minigrad @ git+{repository_url}@{branch}"'
    )
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": SETUP_TAG,
        "metadata": {"tags": [SETUP_TAG]},
        "outputs": [],
        "source": source,
    }


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
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    for pagename in sorted(app.book_notebooks_pages):
        nb = json.loads((executed_dir / f"{pagename}.ipynb").read_text(encoding="utf-8"))
        if not any(SETUP_TAG in c.get("metadata", {}).get("tags", []) for c in nb["cells"]):
            cell = setup_cell(repo_url, branch)
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
