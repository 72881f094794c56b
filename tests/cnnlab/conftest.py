"""The commands' tests write templates and specs as the generator's tests do: the same fixture."""

from tests.generator.conftest import write_yaml  # noqa: F401 - a fixture, registered by being imported here
