"""Measurements the sandbox takes of a student's object on a kind's behalf.

Standard library only, and nothing of ours: the sandbox's child process runs this file by path (a copy of it
sits next to grader/sandbox/runner.py in the sandbox's folder, imported there as `probes`), while a kind's
self-test imports it as `generator.probes` to take the same measurements in its own process. torch arrives as a
parameter, so the file never imports it.
"""
from __future__ import annotations

from typing import Any


def module_summary(torch: Any, cls: Any, shape: tuple[int, ...], args: tuple[Any, ...] = (),
                   kwargs: dict[str, Any] | None = None, is_instance: Any = isinstance) -> dict[str, Any]:
    """Instantiate, count parameters, forward zeros of shape, record each submodule's output shape in run order.

    Module level so a kind's self-test can take the same measurements in its own process.
    """
    model = cls(*args, **(kwargs or {}))
    if not is_instance(model, torch.nn.Module):
        raise TypeError(f"{_call_name(cls)} did not build a torch.nn.Module")
    children: list[dict[str, Any]] = []

    def hook(name: str, module: Any) -> Any:
        def record(_module: Any, _inputs: Any, output: Any) -> None:
            children.append({"name": name, "type": type(module).__name__,
                             "params": int(sum(p.numel() for p in module.parameters())),
                             "output_shape": _shape_of(output)})
        return record

    named = [(n, m) for n, m in model.named_modules() if n]  # every submodule, recorded as it runs
    handles = [m.register_forward_hook(hook(n, m)) for n, m in named]
    model.eval()
    with torch.no_grad():
        output = model(torch.zeros(shape))
    for handle in handles:
        handle.remove()
    return {"params": int(sum(p.numel() for p in model.parameters())),
            "trainable_params": int(sum(p.numel() for p in model.parameters() if p.requires_grad)),
            "output_shape": _shape_of(output), "children": children}


def _call_name(obj: Any) -> str:
    """The name the error message gives the student's entry point (a class without __name__ still reads well)."""
    return getattr(obj, "__name__", "the entry point")


def _shape_of(output: Any) -> Any:
    """A submodule's output shape as plain lists (nested for tuple outputs), None for what has no shape."""
    if hasattr(output, "shape"):
        return [int(n) for n in output.shape]
    if isinstance(output, (tuple, list)):
        return [_shape_of(item) for item in output]
    return None
