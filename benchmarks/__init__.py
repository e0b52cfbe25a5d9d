"""minigrad side by side with micrograd, autograd and JAX: `python -m benchmarks.run`.

The machine is shared and small, so every engine runs single-threaded (BLAS and
XLA alike): the comparison is of the engines, not of thread scheduling under load.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
