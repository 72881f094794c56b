"""The one packaging setting pyproject.toml cannot say: the package `generator.course` is the folder assignments/.

`cnnlab init` copies the bundled course from it; mapping the package onto the folder ships the very files the repository
tests, with no copy to keep in step. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["cnnlab*", "generator*", "grader*", "solutions*"]), "generator.course"],
      package_dir={"generator.course": "assignments"})  # tests/ and benchmarks/ (simulators included) stay out
