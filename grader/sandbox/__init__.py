"""Run untrusted notebook cells in isolated, pre-forked workers and bring back plain data only."""
from .api import Call, CellError, Job, Limits, Outcome
from .sandbox import Sandbox

__all__ = ["Call", "CellError", "Job", "Limits", "Outcome", "Sandbox"]
