"""Glue a computed value into the book's prose, without the book's build tools.

The book's pages quote numbers computed in their cells with myst-nb's
``{glue}`` roles. myst-nb finds a glued value by its display output: a
mimebundle whose metadata names it (``"scrapbook": {"name": ...}``). `glue`
emits that same output with IPython alone, so a chapter downloaded as a
notebook runs where myst-nb is not installed (Colab, a bare Python), and
importing it costs nothing.
"""

from __future__ import annotations

from typing import Any

# myst-nb's prefix for values that are recorded but not shown in the cell.
HIDDEN_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display: bool = True) -> None:
    """Record `value` under `name` for the book's ``{glue}`` roles.

    With `display=False` the cell shows nothing; the value is still stored in
    the cell's output, where the book build reads it. Outside IPython (a plain
    Python script) there is no cell output, and `glue` does nothing.

    >>> glue("answer", 42, display=False)  # no IPython kernel here: a no-op
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every kernel
        return
    if get_ipython() is None:
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    bundle, metadata = format_display_data(value)
    prefix = "" if display else HIDDEN_PREFIX
    metadata = dict(metadata, scrapbook={"name": name, "mime_prefix": prefix})
    show({prefix + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)
