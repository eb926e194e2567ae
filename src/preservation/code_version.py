"""A digest of the package code that a workflow script runs.

Snakemake re-runs a `script:` job when the script file changes, but not when a
module the script imports changes: after an edit under `src/`, outputs made by
the old code would still look current. Each rule passes `code_version(script)`
as a param, so an edit to any package module its script reaches, directly or
through other modules, re-runs exactly the rules that use it.

Modules are found by reading import statements (no import is executed) and
hashed from where this package is imported, which is the code the jobs run.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
from functools import cache
from pathlib import Path

PACKAGE = __name__.partition(".")[0]
SEARCH_ROOT = Path(__file__).resolve().parent.parent


def code_version(*sources: str | Path) -> str:
    """Short SHA-256 over the package modules that the given scripts or notebooks reach."""
    digest = hashlib.sha256()
    modules: dict[str, Path] = {}
    for source in sources:
        modules |= reached_modules(source)
    for name, path in sorted(modules.items()):
        digest.update(f"{name} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def reached_modules(source: str | Path) -> dict[str, Path]:
    """Package modules (name: file) a script or notebook imports, directly or through each other."""
    pending = list(_package_imports(_python_text(Path(source)), package=None).items())
    reached: dict[str, Path] = {}
    while pending:
        name, path = pending.pop()
        if name not in reached:
            reached[name] = path
            pending.extend(_module_imports(name, path).items())
    return reached


@cache
def _module_imports(name: str, path: Path) -> dict[str, Path]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return _package_imports(path.read_text(encoding="utf-8"), package)


def _package_imports(text: str, package: str | None) -> dict[str, Path]:
    """Package modules that the import statements in text load, parent packages included."""
    targets: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            targets += (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module
            targets += (base or "", *(f"{base}.{alias.name}" for alias in node.names))  # a name may be a module
    modules = {}
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1) if parts[0] == PACKAGE else ():
            name = ".".join(parts[:end])
            if (path := _module_file(name)) is not None:
                modules[name] = path
    return modules


def _module_file(name: str) -> Path | None:
    """The source file of a package module, or None when name is not a module (an attribute)."""
    base = SEARCH_ROOT.joinpath(*name.split("."))
    return next((path for path in (base.with_suffix(".py"), base / "__init__.py") if path.is_file()), None)


def _python_text(path: Path) -> str:
    """A script's source, or a notebook's code cells joined."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
