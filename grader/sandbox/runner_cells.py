"""The cells and calls of one job, run in the sandbox's child process under their timers.

Standalone on purpose (stdlib; numpy, torch and IPython arrive from the zygote): run in the sandbox as a
sibling of runner.py. Each cell runs through the zygote's InteractiveShell as in Jupyter; after it, the
variables and calls checkpointed there go into a frame; a closing frame reads everything again at the end.
The shell first learns what notebook editors accept and a bare InteractiveShell does not (accept_editor_habits).
"""
from __future__ import annotations

import importlib.machinery
import signal
import sys
import types
from typing import TYPE_CHECKING, Any

if __package__:  # imported by the grader: the siblings are modules of grader.sandbox
    from generator.probes import module_summary

    from .runner_capture import step_timeout
    from .runner_results import Frame, NotPlain, PlainData
else:  # run by path in the sandbox: the siblings sit in the same folder (probes.py is generator/probes.py)
    from probes import module_summary
    from runner_capture import step_timeout
    from runner_results import Frame, NotPlain, PlainData

if TYPE_CHECKING:
    from .runner_child import Child


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or call outlives its time."""


class Harness:
    """Runs cells and calls in a fresh InteractiveShell; their values become plain data through PlainData."""

    def __init__(self, child: Child, job: dict[str, Any]) -> None:
        self.child, self.job, self.np, self.torch = child, job, child.np, child.torch
        self.shell = child.z.shell
        accept_editor_habits(self.shell)
        self.ns = self.shell.user_ns
        self.type, self.isinstance = type, isinstance
        self.ndarray = self.np.ndarray
        self.setitimer, self.itimer_real = signal.setitimer, signal.ITIMER_REAL
        self.plain = PlainData(self.np, self.torch, child.limits["max_array_items"])
        self.attempts: dict[str, tuple[Any, bool]] = {}  # call name -> (the entry point then, raised an error)

    def run(self) -> None:
        """Cells in order; after each, a frame with what became final there; then a closing frame."""
        signal.signal(signal.SIGALRM, _raise_timeout)
        cells = self.job["cells"]
        due: dict[int, list[str]] = {}
        for name, cell in self.job["checkpoints"].items():
            due.setdefault(cell, []).append(name)
        calls = {call["name"]: index for index, call in enumerate(self.job["calls"])}
        for index, source in enumerate(cells):
            frame = Frame(cell=index)
            error = self._run_cell(index, source)
            if error:
                frame.cell_errors.append(error)
            self.child.progress("results", index)
            names = due.get(index, [])
            self._read(frame, [n for n in names if n not in calls])
            for name in (n for n in names if n in calls):
                self._attempt(frame, calls[name])
                self.child.progress("results", index)
            self.child.send(frame)
        closing = Frame(cell=None, final=True)
        self.child.progress("results", len(cells))
        self._read(closing, self.job["variables"])
        for index, call in enumerate(self.job["calls"]):
            if self._worth_running(call):
                self._attempt(closing, index)
                self.child.progress("results", len(cells))
        self.setitimer(self.itimer_real, 0)
        self._flush()
        self.child.send(closing)

    def _worth_running(self, call: dict[str, Any]) -> bool:
        """At the end: calls not tried yet, or whose name was redefined since, or that raised (not timed out)."""
        tried = self.attempts.get(call["name"])
        if tried is None:
            return True
        target, failed = tried
        return failed or self.ns.get(call["entry_point"]) is not target

    def _attempt(self, frame: Frame, index: int) -> None:
        """One call: its plain value or its problem goes into the frame."""
        call = self.job["calls"][index]
        name = call["name"]
        self.child.progress("call", index)
        seconds = step_timeout(self.child.limits, "call", index)
        target, failed = self.ns.get(call["entry_point"]), False
        try:
            value = self._timed(self._call, call, seconds=seconds)
            frame.results[name] = self.plain.top(value, frame)
        except CellTimeout:
            frame.problems[name] = f"timeout: took longer than {seconds:g} s"
        except NotPlain as exc:
            frame.problems[name] = f"not plain data: {exc}"
        except BaseException as exc:  # noqa: BLE001  any student error becomes a problem line
            frame.problems[name] = self._describe(exc)
            failed = True
        self.attempts[name] = (target, failed)

    def _flush(self) -> None:
        """Push the cell's prints onto the output pipe before the next progress line."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001  a replaced stream must not cost the results
                pass

    def _timed(self, function: Any, *args: Any, seconds: float | None = None) -> Any:
        """Run under SIGALRM, so a slow cell or call raises CellTimeout before the zygote's kill."""
        self.setitimer(self.itimer_real, seconds or self.child.limits["cell_timeout_s"])
        try:
            return function(*args)
        finally:
            self.setitimer(self.itimer_real, 0)

    def _run_cell(self, index: int, source: str) -> list[Any] | None:
        """One cell as Jupyter runs it; its error as [index, name, message], or None."""
        self.child.progress("cell", index)
        try:
            result = self._timed(self.shell.run_cell, source, True)
            error = result.error_before_exec or result.error_in_exec
        except BaseException as exc:  # noqa: BLE001  a timeout outside the user's frame lands here
            error = exc
        self._flush()
        if error is None:
            return None
        if self.isinstance(error, CellTimeout):
            return [index, "Timeout", f"ran longer than {self.child.limits['cell_timeout_s']:g} s"]
        return [index, self._name(error), self._describe(error)]

    def _name(self, error: BaseException) -> str:
        """The exception's class name, even for a class that lies about its __name__."""
        name = getattr(self.type(error), "__name__", "Error")
        return name if self.type(name) is str else "Error"

    def _describe(self, error: BaseException) -> str:
        """One line for an exception, even if its __str__ misbehaves."""
        try:
            text = self._timed(lambda: f"{self._name(error)}: {error}")
        except BaseException:  # noqa: BLE001
            text = self._name(error)
        lines = text.strip().splitlines() or [""]
        return lines[0][:300] if self.type(lines[0]) is str else "Error"

    def _read(self, frame: Frame, names: list[str]) -> None:
        """The named answer variables as plain values (or why not) into the frame."""
        for name in names:
            if name not in self.ns:
                frame.problems[name] = "not defined"
                continue
            try:
                frame.variables[name] = self._timed(self.plain.plain, self.ns[name], 0)
            except NotPlain as exc:
                frame.problems[name] = f"not plain data: {exc}"
            except BaseException as exc:  # noqa: BLE001
                frame.problems[name] = self._describe(exc)

    def _call(self, call: dict[str, Any]) -> Any:
        """One call on the student's entry point, directly or through its probe."""
        target = self.ns.get(call["entry_point"])
        if target is None:
            raise NameError(f"{call['entry_point']} is not defined")
        args = tuple(self._decode(a) for a in call["args"])
        kwargs = {k: self._decode(v) for k, v in call["kwargs"].items()}
        if call["probe"] == "module_summary":
            return self._module_summary(target, args, kwargs)
        if call["probe"] == "harness":
            return self._harness(call.get("harness", ""), target, args, kwargs)
        return target(*args, **kwargs)

    def _harness(self, spec: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run grader-supplied code (e.g. the reference trainer) on the student's name, as a fresh module.

        The source comes from the job's bytes, read before any student code ran, not from the scratch copy.
        """
        file_name, _, function = spec.partition(":")
        source = self.job["file_bytes"].get(file_name)
        if source is None or not function:
            raise NameError(f"harness {spec!r} is not among the job's files")
        module = types.ModuleType(file_name.rsplit(".", 1)[0])
        sys.modules[module.__name__] = module  # dataclasses look their module up by name
        exec(compile(source, file_name, "exec"), module.__dict__)  # noqa: S102  the grader's own code
        return module.__dict__[function](target, *args, **kwargs)

    def _decode(self, tagged: dict[str, Any]) -> Any:
        """A call argument from its tag; arrays are copied, so one call cannot change the next one's input."""
        if "npy" in tagged:
            return self.job["arrays"][tagged["npy"]].copy()
        if "tuple" in tagged:
            return tuple(self._decode(x) for x in tagged["tuple"])
        if "list" in tagged:
            return [self._decode(x) for x in tagged["list"]]
        return tagged["v"]

    def _module_summary(self, cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The probe on the student's class, with the isinstance taken before any student code ran."""
        shape = tuple(args[0].shape) if self.isinstance(args[0], self.ndarray) else tuple(args[0])
        return module_summary(self.torch, cls, shape, args[1:], kwargs, self.isinstance)


COLAB = "google.colab"


class ColabStandIn(types.ModuleType):
    """google.colab and every name under it outside Colab: each one callable, doing nothing and returning None."""

    def __getattr__(self, name: str) -> ColabStandIn:
        """Any public name, so `from google.colab import drive` then `drive.mount(...)` still runs."""
        if name.startswith("__"):
            raise AttributeError(name)
        return ColabStandIn(f"{self.__name__}.{name}")

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        """drive.mount(...), files.upload(), cv2_imshow(image): nothing to do where there is no Colab."""


class ColabFinder:
    """After every real finder: serves google.colab and its submodules (and `google` where none is installed)."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """A package spec for the Colab names only; every other missing module stays missing."""
        if name in ("google", COLAB) or name.startswith(COLAB + "."):
            return importlib.machinery.ModuleSpec(name, cls, is_package=True)
        return None

    @staticmethod
    def create_module(spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """A plain package for `google`, a stand-in for everything under google.colab."""
        return types.ModuleType(spec.name) if spec.name == "google" else ColabStandIn(spec.name)

    @staticmethod
    def exec_module(module: types.ModuleType) -> None:
        """Nothing to run: the stand-in's names come from its __getattr__."""


def _headless_matplotlib(gui: str | None = None) -> tuple[None, str]:
    """%matplotlib and %pylab with any backend (inline, notebook, widget, qt...): figures are drawn off screen."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:  # the student's own `import matplotlib` then says so, as in Jupyter
        pass
    return None, "agg"


def _no_event_loop(gui: str | None = None) -> None:
    """%gui and matplotlib's event-loop hook: there is no screen and no GUI loop in the sandbox."""


def accept_editor_habits(shell: Any) -> None:
    """Accept what Jupyter, Colab and VS Code accept: %matplotlib <any backend>, %gui, `from google.colab import`.

    A bare InteractiveShell raises NotImplementedError on `%matplotlib inline` (it has no event loop), and the
    rest of that cell, often the setup cell with `import numpy as np`, never runs. %config, %load_ext
    autoreload, %%capture and display() already work on it.
    """
    shell.enable_matplotlib = _headless_matplotlib
    shell.enable_gui = _no_event_loop
    if ColabFinder not in sys.meta_path:
        sys.meta_path.append(ColabFinder)


def _raise_timeout(_signum: int, _frame: Any) -> None:
    """SIGALRM's handler: the timer ran out inside the student's code."""
    raise CellTimeout()
