"""environment.yml (for conda users) pins the same packages and ranges as pyproject.toml (the pip path CI proves)."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO

# conda-forge names of the PyPI packages whose conda package is named differently.
CONDA_NAMES = {"snakemake": "snakemake-minimal", "matplotlib": "matplotlib-base", "seaborn": "seaborn-base",
               "fastjsonschema": "python-fastjsonschema"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*(.*)$")


def _requirements(lines: list[str]) -> dict[str, str]:
    """name -> version range, from requirement strings ("pandas>=3.0,<3.2")."""
    pairs = (REQUIREMENT.match(line.strip()).groups() for line in lines if not line.startswith(("-e", "python=", "pip")))
    return {name.lower(): spec.replace(" ", "") for name, spec in pairs}


def test_every_dependency_is_in_the_conda_environment_with_the_same_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _requirements(project["dependencies"] + project["optional-dependencies"]["test"])
    entries = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    conda = [entry for entry in entries if isinstance(entry, str)]
    pip = [line for entry in entries if isinstance(entry, dict) for line in entry["pip"]]
    have = _requirements(conda) | _requirements(pip)
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in wanted.items()}
    assert {name: have.get(name) for name in expected} == expected
