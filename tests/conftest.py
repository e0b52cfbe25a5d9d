"""Shared test set-up: JAX in float64 is the reference for minigrad."""

import jax
from hypothesis import settings

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("default")
