"""The code digest that makes Snakemake re-run a rule when package code its script reaches changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO
from preservation import code_version as cv


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small stand-in for the package, importing by every form the digest must follow."""
    root = tmp_path / "preservation"
    (root / "stats").mkdir(parents=True)
    files = {
        "__init__.py": '"""Package."""\n',
        "stats/__init__.py": "",
        "stats/fit.py": "from . import design\nfrom .links import logit\n",
        "stats/design.py": "import numpy as np\n",
        "stats/links.py": "def logit(p):\n    import preservation.labels\n    return p\n",
        "labels.py": "",
        "figures.py": "from preservation.stats import fit\n",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(cv, "SEARCH_ROOT", tmp_path)
    return root


def script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_modules_are_followed_through_relative_lazy_and_multiline_imports(package: Path, tmp_path: Path) -> None:
    reached = cv.reached_modules(script(tmp_path, "from preservation.stats.fit import (\n    fit_model,  # a function\n)\n"))
    assert sorted(reached) == [
        "preservation",
        "preservation.labels",  # imported inside a function of links
        "preservation.stats",
        "preservation.stats.design",  # `from . import design` in fit
        "preservation.stats.fit",
        "preservation.stats.links",  # `from .links import logit`; logit is not a module
    ]
    assert reached["preservation.stats"] == package / "stats" / "__init__.py"


def test_an_edit_changes_the_digest_only_of_scripts_that_reach_it(package: Path, tmp_path: Path) -> None:
    fits = script(tmp_path, "import preservation.stats.fit\n")
    labels = tmp_path / "labels_only.py"
    labels.write_text("from preservation import labels\n", encoding="utf-8")
    before = cv.code_version(fits), cv.code_version(labels)

    (package / "stats" / "design.py").write_text("import numpy as np  # edited\n", encoding="utf-8")
    after = cv.code_version(fits), cv.code_version(labels)
    assert after[0] != before[0]
    assert after[1] == before[1]

    (package / "figures.py").write_text("# reached by neither script\n", encoding="utf-8")
    assert (cv.code_version(fits), cv.code_version(labels)) == after


def test_a_notebook_is_read_from_its_code_cells(package: Path, tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "source": ["import preservation.figures\n"]},
        {"cell_type": "code", "source": ["from preservation ", "import labels\n"]},
    ]
    notebook = tmp_path / "analysis.ipynb"
    notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert sorted(cv.reached_modules(notebook)) == ["preservation", "preservation.labels"]


def test_every_workflow_script_reaches_package_modules_that_exist() -> None:
    for path in sorted((REPO / "workflow" / "scripts").glob("*.py")):
        reached = cv.reached_modules(path)
        assert "preservation" in reached, path.name
        assert all(file.is_file() and file.suffix == ".py" for file in reached.values()), path.name
    assert "preservation.stats.gee" in cv.reached_modules(REPO / "workflow" / "scripts" / "gee_fit.py")


def test_every_rule_passes_the_code_its_own_script_reaches() -> None:
    rules = 0
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", smk.read_text(encoding="utf-8"))[1:]:
            name = block.split(":")[0]
            script = re.search(r'script:\s+"\.\./scripts/([^"]+)"', block)
            assert script is not None, f"{smk.name}: {name} runs no script"
            assert f'code=code_of("{script.group(1)}"' in block, f"{smk.name}: {name} does not pass code_of its script"
            rules += 1
    assert rules >= 20
