"""Shared test set-up: JAX in float64 is the reference for minigrad."""

import os

import jax
from hypothesis import settings

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
# CI draws the same examples every run, so a red CI is reproducible.
settings.load_profile("ci" if os.environ.get("CI") else "default")
