"""Grading beyond one machine: Dask workers grade, the client alone writes (docs/GRADING.md, docs/SCALING.md)."""
