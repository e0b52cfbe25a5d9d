"""Per chapter: prose lines, visible code lines, glued values and asserts.

    python tools/book_stats.py [book/*.md]

Prose lines are non-blank lines outside code cells (front matter excluded);
visible code lines are lines of code cells not tagged hide-input, hide-cell or
remove-*; glued values count `glue(` calls in cells, glue refs the `{glue:...}`
uses in prose (captions included); asserts count `assert` statements in cells.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HIDDEN = ("hide-input", "hide-cell", "remove-input", "remove-cell")


def chapter_stats(text: str) -> dict[str, int]:
    """Count prose lines, visible code lines, glue calls and asserts of one chapter."""
    lines = text.splitlines()
    if lines and lines[0] == "---":  # jupytext front matter
        end = lines.index("---", 1)
        lines = lines[end + 1 :]
    stats = dict(prose=0, code=0, hidden_code=0, glued=0, glue_refs=0, asserts=0)
    in_cell = hidden = in_meta = False
    fence, first = "", False
    for line in lines:
        if not in_cell:
            m = re.match(r"^(`{3,})\{code-cell\}", line)
            if m:
                in_cell, fence, hidden, first = True, m.group(1), False, True
            elif line.strip():
                stats["prose"] += 1
                stats["glue_refs"] += line.count("{glue:")
            continue
        if line.strip() == fence:
            in_cell = in_meta = False
            continue
        if (first and line.strip() == "---") or in_meta:  # a YAML metadata block
            in_meta = not (in_meta and line.strip() == "---")
            first = False
            hidden |= "tags:" in line and any(tag in line for tag in HIDDEN)
            continue
        first = False
        if line.startswith(":tags:"):
            hidden = any(tag in line for tag in HIDDEN)
            continue
        if not line.strip() or line.startswith(":"):
            continue
        stats["hidden_code" if hidden else "code"] += 1
        stats["glued"] += len(re.findall(r"\bglue\(", line))
        stats["asserts"] += len(re.findall(r"^\s*assert\b", line))
    return stats


def main(paths: list[str]) -> None:
    paths = paths or sorted(str(p) for p in Path("book").glob("*.md"))
    cols = ("prose", "code", "hidden_code", "glued", "glue_refs", "asserts")
    print("| chapter | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    total = dict.fromkeys(cols, 0)
    for p in paths:
        s = chapter_stats(Path(p).read_text())
        total = {k: total[k] + s[k] for k in cols}
        print(f"| {Path(p).stem} | " + " | ".join(str(s[k]) for k in cols) + " |")
    print("| **total** | " + " | ".join(str(total[k]) for k in cols) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
