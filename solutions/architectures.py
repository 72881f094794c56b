"""The lecture's reference architectures, as data that the layer-table and parameter helpers read."""

from __future__ import annotations

from dataclasses import dataclass

from solutions.shapes import AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d


@dataclass(frozen=True)
class Architecture:
    """A named sequential network: what it takes in and its layers in order."""

    name: str
    title: str
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]


def lenet5_layers(padding: int = 0, pool: type[MaxPool2d] | type[AvgPool2d] = AvgPool2d) -> tuple[Layer, ...]:
    """LeCun et al. 1998: conv 6@5x5, pool, conv 16@5x5, pool, FC 120, FC 84, FC 10."""
    return (Conv2d(6, 5, padding=padding), pool(2), Conv2d(16, 5), pool(2), Flatten(),
            Dense(120), Dense(84), Dense(10))


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture("lenet5", "LeNet-5 (LeCun et al. 1998), 32x32 input", (1, 32, 32), lenet5_layers()),
        Architecture("lenet5-28", "LeNet-5 on 28x28 MNIST-size input, padding 2 on conv1", (1, 28, 28),
                     lenet5_layers(padding=2)),
        Architecture("mlp", "The lecture's MLP 784-512-512-10", (784,), (Dense(512), Dense(512), Dense(10))),
    )
}
