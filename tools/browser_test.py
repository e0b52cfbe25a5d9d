"""Check the built book in a real headless Chromium, page by page, as a reader sees it.

Usage: python tools/browser_test.py [HTML_DIR] [--toc TOC]   (defaults: _build/html, _toc.yml)

Serves HTML_DIR on 127.0.0.1 and, with Debian's chromium driven by selenium
through /usr/bin/chromedriver and every other host unresolvable, visits each
page of _toc.yml and checks: no console errors, nothing loaded from outside,
every image loaded, every figure has alt text or a caption, every math element
typeset by MathJax, every code cell that must show output shows it, the
previous/next links follow the table of contents (and clicking "next" walks
the whole book), the download, launch and repository buttons point to
files that exist, and every animation (matplotlib's `to_jshtml` player) shows
a frame and its controls, and clicking "next frame" shows the next frame.
On the API reference page, every name of minigrad.__all__ and every helper
module that book/api.md documents has its entry (`dt` with the id
`minigrad.NAME`), and every link in its summary tables lands on one.
Then it opens each page from disk (file://) and checks the
math again. Full-page screenshots go to HTML_DIR/../screenshots/.
Exits 1 and lists the problems if any check fails.
"""

from __future__ import annotations

import argparse
import ast
import functools
import http.server
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlparse

import yaml
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    # No network beyond this machine: every host but the local server is unresolvable.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Calls that always print or display something when they run.
OUTPUT_CALLS = {"print", "display", "show", "pprint"}
# The API page; its entries: `.. autofunction:: minigrad.grad`, `.. automodule:: minigrad.teaching.dag`.
API_PAGE = "book/api"
API_ENTRY = re.compile(r"^\s*\.\. (?:auto|py:)(function|class|data|module):: (minigrad\.[\w.]+)", re.M)


def toc_pages(toc_file: Path) -> list[str]:
    """Docnames of _toc.yml in reading order (root first), e.g. ['book/intro', ...]."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []) + toc.get("chapters", []) + toc.get("sections", []))
    return [str(Path(p).with_suffix("")) for p in pages]


def must_have_output(source: str) -> bool:
    """True if a code cell certainly produces output when it runs.

    That is when its last statement is an expression other than a call (a name,
    an operation, a literal ...) not silenced by a trailing ';', or when it calls
    print/display/show outside any function, class or conditional.
    """
    lines = [("pass" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return False
    if not tree.body:
        return False
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call):
        return not source.rstrip().endswith(";")

    def prints(node: ast.AST) -> bool:
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda | ast.If | ast.Try
        ):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in OUTPUT_CALLS:
                return True
        return any(prints(child) for child in ast.iter_child_nodes(node))

    return any(prints(stmt) for stmt in tree.body)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that does not log every request."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve directory on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def start_chromium(profile: str) -> webdriver.Chrome:
    """Headless Debian chromium via the system chromedriver (selenium downloads nothing)."""
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const settle = () => setTimeout(() => done(true), 100);
if (!document.querySelector('.math')) { settle(); return; }
const start = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(settle, () => done(false));
  } else if (Date.now() - start > 30000) { done(false); } else { setTimeout(poll, 50); }
})();
"""

PAGE_FACTS = """
const article = document.querySelector('main') || document.body;
const abs = (a) => a.href;
return {
  images: Array.from(document.images).map(img => ({
    src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
    inArticle: article.contains(img), alt: (img.getAttribute('alt') || '').trim(),
    caption: ((img.closest('figure') || {}).querySelector ?
              (img.closest('figure').querySelector('figcaption') || {}).textContent || '' : '').trim(),
  })),
  math: Array.from(article.querySelectorAll('.math')).map(el => ({
    typeset: !!el.querySelector('mjx-container'), error: !!el.querySelector('mjx-merror, [data-mjx-error]'),
    text: el.textContent.slice(0, 60),
  })),
  mathjaxCount: document.querySelectorAll('mjx-container').length,
  cells: Array.from(article.querySelectorAll('div.cell')).map(cell => ({
    source: (cell.querySelector('.cell_input pre') || {}).textContent || null,
    hasOutput: !!cell.querySelector('.cell_output') &&
               cell.querySelector('.cell_output').textContent.trim().length +
               cell.querySelectorAll('.cell_output img, .cell_output svg').length > 0,
    error: !!cell.querySelector('.cell_output .output.error, .cell_output .output.traceback'),
    stderr: !!cell.querySelector('.cell_output .output.stderr'),
    removeOutput: cell.classList.contains('tag_remove-output'),
  })),
  prev: (document.querySelector('.prev-next-area a.left-prev') || {}).href || null,
  next: (document.querySelector('.prev-next-area a.right-next') || {}).href || null,
  downloads: Array.from(document.querySelectorAll('.dropdown-download-buttons a')).map(abs),
  launches: Array.from(document.querySelectorAll('.dropdown-launch-buttons a')).map(abs),
  sourceLinks: Array.from(document.querySelectorAll('.dropdown-source-buttons a')).map(abs),
  resources: performance.getEntriesByType('resource').map(e => e.name),
  scripts: Array.from(document.scripts).map(s => s.src).filter(Boolean),
};
"""

API_FACTS = """
const ids = arguments[0];
const found = {};
for (const id of ids) {
  const el = document.getElementById(id);
  found[id] = el ? {tag: el.tagName, text: el.textContent.trim().slice(0, 80),
                   visible: el.getBoundingClientRect().height > 0} : null;
}
const summaryLinks = Array.from(document.querySelectorAll('table.autosummary a.reference'))
  .map(a => decodeURIComponent(a.hash.slice(1)))
  .filter(id => !document.getElementById(id));
return {found, summaryLinks};
"""


def api_entry_ids(page_source: Path) -> list[str]:
    """The ids the API page must have: `minigrad.NAME` of every public name it
    documents, `module-minigrad.MOD` of every helper module."""
    import minigrad

    ids = []
    for kind, target in API_ENTRY.findall(page_source.read_text(encoding="utf-8")):
        if kind == "module":
            ids.append(f"module-{target}")
        elif target.removeprefix("minigrad.") in minigrad.__all__:
            ids.append(target)
    return ids


ANIMATIONS = """
const article = document.querySelector('main') || document.body;
return Array.from(article.querySelectorAll('div.animation')).map(div => {
  const img = div.querySelector('img'), slider = div.querySelector('input.anim-slider');
  const buttons = Array.from(div.querySelectorAll('.anim-buttons button'));
  return {
    loaded: !!img && img.complete && img.naturalWidth > 0, src: img ? img.src : '',
    frame: slider ? slider.value : null, frames: slider ? slider.max : null,
    buttons: buttons.filter(b => b.offsetWidth > 0 && b.offsetHeight > 0).map(b => b.title),
  };
});
"""


class BookChecker:
    """Runs every check on every page and collects the problems."""

    def __init__(self, html: Path, screenshots: Path, toc: Path | None = None) -> None:
        self.html = html
        self.screenshots = screenshots
        self.pages = toc_pages(toc or ROOT / "_toc.yml")
        config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
        self.repo_url = config["repository"]["url"].rstrip("/")
        self.branch = config["repository"].get("branch", "main")
        self.problems: list[str] = []
        self.stats = {"pages": 0, "images": 0, "math": 0, "cells": 0, "outputs_required": 0, "animations": 0}

    def fail(self, page: str, message: str) -> None:
        """Record one problem."""
        self.problems.append(f"{page}: {message}")

    def page_of(self, url: str, base: str) -> str | None:
        """The docname a local URL points to, or None if it is not a page of the book."""
        path = unquote(urlparse(url).path)
        prefix = urlparse(base).path
        if not path.startswith(prefix) or not path.endswith(".html"):
            return None
        return path[len(prefix) : -len(".html")]

    def local_file(self, url: str, base: str) -> Path | None:
        """The file in the HTML directory that a local URL points to (None if outside)."""
        if not url.startswith(base):
            return None
        return self.html / unquote(urlparse(url).path)[len(urlparse(base).path) :]

    def check_page(self, driver: webdriver.Chrome, base: str, index: int) -> None:
        """Load one page over HTTP and run every check on it."""
        page = self.pages[index]
        driver.get(urljoin(base, page + ".html"))
        if not driver.execute_async_script(WAIT_FOR_MATHJAX):
            self.fail(page, "MathJax did not finish typesetting")
        facts = driver.execute_script(PAGE_FACTS)
        self.stats["pages"] += 1
        self.check_console(driver, page)
        self.check_loads(page, facts, base)
        self.check_images(page, facts)
        self.check_math(page, facts)
        self.check_cells(page, facts)
        self.check_navigation(page, index, facts, base)
        self.check_buttons(page, facts, base)
        self.check_animations(driver, page)
        if page == API_PAGE:
            self.check_api(driver, page)
        self.screenshot(driver, page)

    def check_console(self, driver: webdriver.Chrome, page: str) -> None:
        """No console errors (the favicon the book does not have is not one)."""
        for entry in driver.get_log("browser"):
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]:
                self.fail(page, f"console error: {entry['message']}")

    def check_loads(self, page: str, facts: dict, base: str) -> None:
        """Everything the page loaded came from the book itself: no CDN, no loaders."""
        for url in facts["resources"] + facts["scripts"]:
            if not url.startswith((base, "data:", "blob:")):
                self.fail(page, f"loaded from outside the book: {url}")
        for url in facts["scripts"]:
            if re.search(r"require(\.min)?\.js|thebe|embed-amd|html-manager", url):
                self.fail(page, f"loads a remote-kernel or widget loader: {url}")

    def check_images(self, page: str, facts: dict) -> None:
        """Every image loaded; every figure in the text has alt text or a caption."""
        for img in facts["images"]:
            self.stats["images"] += 1
            if not img["ok"]:
                self.fail(page, f"image did not load: {img['src']}")
            # Sphinx fills a missing alt with the image's path: that is no alt text.
            alt = "" if re.search(r"\.(png|jpe?g|svg|gif|webp)$", img["alt"], re.I) else img["alt"]
            if img["inArticle"] and not (alt or img["caption"]):
                self.fail(page, f"figure without alt text or caption: {img['src']}")

    def check_math(self, page: str, facts: dict) -> None:
        """Every math element in the text was typeset by MathJax, without errors."""
        for math in facts["math"]:
            self.stats["math"] += 1
            if not math["typeset"]:
                self.fail(page, f"math not typeset: {math['text']!r}")
            elif math["error"]:
                self.fail(page, f"MathJax error in: {math['text']!r}")

    def check_cells(self, page: str, facts: dict) -> None:
        """No cell shows an error; every cell that must print something shows its output."""
        for number, cell in enumerate(facts["cells"], start=1):
            self.stats["cells"] += 1
            if cell["error"]:
                self.fail(page, f"code cell {number} shows an error")
            if cell["source"] is None or cell["removeOutput"] or not must_have_output(cell["source"]):
                continue
            self.stats["outputs_required"] += 1
            if not cell["hasOutput"]:
                first = cell["source"].strip().splitlines()[0][:60]
                self.fail(page, f"code cell {number} ({first!r}) has no output")

    def check_navigation(self, page: str, index: int, facts: dict, base: str) -> None:
        """The previous/next links lead to the neighbours in the table of contents."""
        for key, other in (("prev", index - 1), ("next", index + 1)):
            expected = self.pages[other] if 0 <= other < len(self.pages) else None
            got = self.page_of(facts[key], base) if facts[key] else None
            if got != expected:
                self.fail(page, f"{key} link goes to {got!r}, expected {expected!r}")

    def check_buttons(self, page: str, facts: dict, base: str) -> None:
        """Download, launch and repository buttons point to files that exist."""
        source = ROOT / (page + ".md")
        is_notebook = "kernelspec:" in source.read_text(encoding="utf-8")[:1000]
        downloads = [self.local_file(u, base) for u in facts["downloads"]]
        for url, path in zip(facts["downloads"], downloads, strict=True):
            if path is None or not path.is_file():
                self.fail(page, f"download button points to a missing file: {url}")
        ipynb = self.html / "_sources" / (page + ".ipynb")
        if is_notebook and ipynb not in downloads:
            self.fail(page, "no .ipynb download button")
        if is_notebook and not ipynb.is_file():
            self.fail(page, f"missing notebook {ipynb}")
        slug = urlparse(self.repo_url).path.strip("/")
        launches = {urlparse(u).hostname: u for u in facts["launches"]}
        if is_notebook:
            binder = launches.get("mybinder.org")
            if binder is None or f"/v2/gh/{slug}/{self.branch}" not in binder:
                self.fail(page, f"Binder button missing or not on {slug}@{self.branch}: {binder}")
            else:
                target = parse_qs(urlparse(binder).query)["urlpath"][0].split("/tree/", 1)[1]
                if not (ROOT / target).is_file():
                    self.fail(page, f"Binder button opens a file not in the repository: {target}")
            colab = launches.get("colab.research.google.com")
            match = re.search(rf"/github/{slug}/blob/[^/]+/(.+\.ipynb)$", colab or "")
            if match is None:
                self.fail(page, f"Colab button missing or not an .ipynb of {slug}: {colab}")
            elif not (self.html / "_sources" / match.group(1)).is_file():
                self.fail(page, f"Colab button opens a notebook the build did not write: {match.group(1)}")
        for url in facts["sourceLinks"]:
            if not url.startswith(self.repo_url):
                self.fail(page, f"repository button not on {self.repo_url}: {url}")
            match = re.search(r"/edit/[^/]+/(.+)$", url)
            if match and not (ROOT / match.group(1)).is_file():
                self.fail(page, f"edit button points to a missing file: {match.group(1)}")

    def check_animations(self, driver: webdriver.Chrome, page: str) -> None:
        """Each animation shows a frame and its step buttons; "Next frame" moves to the next frame."""
        try:  # the player sets its first frame from a timeout after the page loads
            WebDriverWait(driver, 10).until(lambda d: all(a["loaded"] for a in d.execute_script(ANIMATIONS)))
        except TimeoutException:
            pass  # reported below
        for number, anim in enumerate(driver.execute_script(ANIMATIONS), start=1):
            self.stats["animations"] += 1
            where = f"animation {number}"
            if not anim["loaded"]:
                self.fail(page, f"{where}: no frame shown")
            missing = {"Play", "Pause", "Next frame", "Previous frame"} - set(anim["buttons"])
            if missing:
                self.fail(page, f"{where}: controls not rendered: {sorted(missing)}")
                continue
            if int(anim["frames"]) < 1:
                self.fail(page, f"{where}: only one frame")
                continue
            div = driver.find_elements(By.CSS_SELECTOR, "main div.animation")[number - 1]
            button = div.find_element(By.CSS_SELECTOR, 'button[title="Next frame"]')
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
            button.click()
            after = driver.execute_script(ANIMATIONS)[number - 1]
            if int(after["frame"]) != int(anim["frame"]) + 1 or after["src"] == anim["src"]:
                self.fail(page, f"{where}: clicking next frame did not show the next frame "
                          f"(frame {anim['frame']} -> {after['frame']})")

    def check_api(self, driver: webdriver.Chrome, page: str) -> None:
        """Every entry book/api.md asks for is on the page and visible; summary tables link to entries."""
        ids = api_entry_ids(ROOT / (page + ".md"))
        if not ids:
            self.fail(page, "book/api.md lists no entries")
        facts = driver.execute_script(API_FACTS, ids)
        for id_ in ids:
            entry = facts["found"][id_]
            if entry is None:
                self.fail(page, f"no entry with id {id_!r}")
            elif id_.startswith("module-"):
                continue  # a module's target is an empty anchor before its docstring
            elif entry["tag"] != "DT" or not entry["visible"] or id_.split(".")[-1] not in entry["text"]:
                self.fail(page, f"entry {id_!r} is not a visible signature: {entry}")
        for target in facts["summaryLinks"]:
            self.fail(page, f"summary table links to {target!r}, which is not on the page")
        self.stats["api_entries"] = sum(
            1 for i in ids if i.startswith("minigrad.") and facts["found"][i] is not None
        )

    def screenshot(self, driver: webdriver.Chrome, page: str) -> None:
        """Save a full-page PNG of the current page."""
        import base64

        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": min(size["height"], 16000),
                    "scale": 1,
                },
            },
        )
        target = self.screenshots / (page.replace("/", "__") + ".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(shot["data"]))

    def walk_next_links(self, driver: webdriver.Chrome, base: str) -> None:
        """Click "next" from the first page to the last: each click lands on the next page."""
        driver.get(urljoin(base, self.pages[0] + ".html"))
        for expected in self.pages[1:]:
            links = driver.find_elements(By.CSS_SELECTOR, ".prev-next-area a.right-next")
            if not links:
                self.fail(self.page_of(driver.current_url, base) or "?", "no next link to click")
                return
            before = driver.current_url
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", links[0])
            links[0].click()
            WebDriverWait(driver, 30).until(lambda d, b=before: d.current_url != b)
            if self.page_of(driver.current_url, base) != expected:
                self.fail(expected, f"clicking next landed on {driver.current_url}")
                return

    def check_offline_file(self, driver: webdriver.Chrome) -> None:
        """Each page opened from disk (file://), no network: math typeset, images loaded."""
        for page in self.pages:
            driver.get((self.html / (page + ".html")).resolve().as_uri())
            if not driver.execute_async_script(WAIT_FOR_MATHJAX):
                self.fail(page, "file://: MathJax did not finish")
            facts = driver.execute_script(PAGE_FACTS)
            if any(not m["typeset"] for m in facts["math"]):
                self.fail(page, "file://: math not typeset when opened from disk")
            if any(not img["ok"] for img in facts["images"]):
                self.fail(page, "file://: an image did not load when opened from disk")
            self.stats.setdefault("file_math", 0)
            self.stats["file_math"] += facts["mathjaxCount"]

    def run(self) -> int:
        """Run all checks; print a summary; return the exit code."""
        missing = [p for p in self.pages if not (self.html / (p + ".html")).is_file()]
        if missing:
            print(f"not built in {self.html}: {missing}", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as profile, serve(self.html) as base:
            driver = start_chromium(profile)
            try:
                for index in range(len(self.pages)):
                    self.check_page(driver, base, index)
                self.walk_next_links(driver, base)
                self.check_offline_file(driver)
            finally:
                driver.quit()
        print(
            f"browser test: {self.stats['pages']} pages, {self.stats['images']} images, "
            f"{self.stats['math']} math elements, {self.stats['cells']} code cells "
            f"({self.stats['outputs_required']} that must show output), "
            f"{self.stats['animations']} animations stepped, "
            f"{self.stats.get('file_math', 0)} math elements typeset from file://, "
            f"{self.stats.get('api_entries', 0)} API entries; "
            f"screenshots in {self.screenshots}"
        )
        for problem in self.problems:
            print("FAIL", problem)
        print(f"{len(self.problems)} problems" if self.problems else "all checks passed")
        return 1 if self.problems else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", type=Path, help="built HTML directory")
    parser.add_argument("--screenshots", type=Path, help="default: HTML/../screenshots")
    parser.add_argument("--toc", type=Path, help="table of contents to walk (default: _toc.yml)")
    args = parser.parse_args(argv)
    html = args.html.resolve()
    return BookChecker(html, args.screenshots or html.parent / "screenshots", args.toc).run()


if __name__ == "__main__":
    sys.exit(main())
