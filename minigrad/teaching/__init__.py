"""The book's teaching helpers, kept apart from the engine.

Nothing in the engine (the modules one level up) imports from here. These
modules draw graphs, count calls, time functions, write linear maps as
programs and glue computed numbers into the book's prose:

- `finite_diff`: finite differences and a call counter, to compare AD against;
- `linear`: linear maps given as programs (matrix-vector and vector-matrix products);
- `graph`, `animate`, `dag`: record a program's tape and draw it;
- `timing`: median CPU times and ratios measured side by side;
- `glue`: put a computed value into the prose, without needing the book's build tools.
"""

from .glue import glue

__all__ = ["glue"]
