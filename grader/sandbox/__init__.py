"""Run untrusted notebook cells in isolated, pre-forked workers and bring back plain data only."""
from .api import CellError, Job, Outcome
from .sandbox import Sandbox

__all__ = ["CellError", "Job", "Outcome", "Sandbox"]
