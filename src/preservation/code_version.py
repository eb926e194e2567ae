"""A digest of the package code that a workflow script runs.

Snakemake re-runs a `script:` job when the script file changes, but not when a
module the script imports changes: after an edit under `src/`, outputs made by
the old code would still look current. Each rule passes `code_version(script)`
as a param, so an edit to any package module its script reaches, directly or
through other modules, re-runs exactly the rules that use it.

Modules are found by scanning the source for import statements (nothing is
imported) and hashed from where this package is imported, which is the code
the jobs run. The scan is a regular expression rather than a parse: parsing
every module took 0.2 s of each Snakemake start, and text in a string that
looks like an import can only add a module to the digest, never drop one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from functools import cache
from pathlib import Path

PACKAGE = __name__.partition(".")[0]
SEARCH_ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]*)|import[ \t]+(?P<modules>[^\n#;]*))",
    re.MULTILINE,
)


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
    for statement in IMPORT.finditer(text):
        if statement["modules"] is not None:
            targets += _names(statement["modules"])
        else:
            base = statement["base"]
            base = importlib.util.resolve_name(base, package) if base.startswith(".") else base
            targets += (base, *(f"{base}.{name}" for name in _names(statement["names"])))  # a name may be a module
    modules = {}
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1) if parts[0] == PACKAGE else ():
            name = ".".join(parts[:end])
            if (path := _module_file(name)) is not None:
                modules[name] = path
    return modules


def _names(listed: str) -> list[str]:
    """The imported names of `a as b, c` or `(a,  # comment\n c,)`."""
    return [part.split()[0] for part in re.sub(r"#[^\n]*", "", listed).strip("()").split(",") if part.strip()]


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
