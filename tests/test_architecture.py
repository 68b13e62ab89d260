"""The package's shape: each layer imports only the layers below it, and the command line
starts without the scientific libraries."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import survrepro

PACKAGE = Path(survrepro.__file__).parent

# What each part of the package may import from survrepro (besides itself).
BASE = {"errors", "options", "rounding", "_validation", "timeunits"}
ALLOWED = {
    "errors": set(),
    "options": set(),
    "rounding": set(),
    "paths": set(),
    "_validation": {"errors"},
    "timeunits": {"_validation", "errors"},
    "digitized": BASE,
    "io": {"paths", "digitized"} | BASE,
    "engine": BASE,
    "sources": {"engine"} | BASE,
    "design": {"engine"} | BASE,
    "register": {"engine", "sources", "design", "io", "paths"} | BASE,
    "report": {"engine", "sources", "design", "register", "io", "paths"} | BASE,
}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mod = node.module
            if mod == "survrepro":
                yield from (f"survrepro.{a.name}" for a in node.names)
            elif mod.startswith("survrepro."):
                yield mod
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("survrepro."))


@pytest.mark.parametrize(
    "path", sorted(p for p in PACKAGE.rglob("*.py") if _part(p) in ALLOWED), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_each_layer_imports_only_layers_below_it(path):
    part = _part(path)
    wrong = sorted(
        {m for m in _imports(path) if m.split(".")[1] != part and m.split(".")[1] not in ALLOWED[part]}
    )
    assert not wrong, f"{path.relative_to(PACKAGE)} ({part}) imports {wrong}"


def test_command_line_help_loads_no_scientific_library():
    code = (
        "import sys, contextlib, io\n"
        "import survrepro.cli as c\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        c.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scipy', 'pandas', 'matplotlib'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
