"""The package's layout rules, checked on the source (issue 12).

* The kernels (``measure``, ``evaluate``) are pure: ``measure`` imports nothing else of segreform,
  ``evaluate`` only ``measure``; never the store, data, programme, web, scale, research, barometer or CLI.
* No package imports a private name (``_x``), or a private module, of ANOTHER package: what a package
  offers others is its public names.

The checker walks the AST of every module under ``src/segreform`` (imports inside functions included).
The first tests show it on synthetic modules, so it is known to fail when a rule is broken.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "segreform"
KERNEL_MAY_IMPORT = {"measure": {"measure"}, "evaluate": {"evaluate", "measure"}}


def package_of(module: str) -> str:
    """``segreform.measure.api`` -> ``measure``; the root package's own modules -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(line, imported module, imported names) for every segreform import, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "segreform" or alias.name.startswith("segreform."):
                    yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "segreform" or target.startswith("segreform."):
                yield node.lineno, target, [alias.name for alias in node.names]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every broken layout rule in one module's source, as ``module:line: reason``."""
    own = package_of(module)
    found = []
    for line, target, names in _imports(ast.parse(source), module, is_package):
        where = f"{module}:{line}"
        # `from segreform import measure` names a package, as `import segreform.measure` does.
        targets = [f"{target}.{n}" for n in names] if target == "segreform" else [target]
        for full in targets:
            other = package_of(full)
            if own in KERNEL_MAY_IMPORT and other and other not in KERNEL_MAY_IMPORT[own]:
                found.append(f"{where}: kernel package {own!r} imports {full} ({other!r} is outside the kernel)")
            if other and other != own:
                private_parts = [p for p in full.split(".")[2:] if _private(p)]
                private_names = [n for n in names if _private(n)] if target != "segreform" else []
                for name in private_parts + private_names:
                    found.append(f"{where}: imports private {name!r} of package {other!r} ({full})")
    return found


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield path, ".".join(parts), is_package


def test_checker_reports_a_kernel_importing_the_store():
    source = "import numpy as np\nfrom segreform.store.db import session\n"
    assert violations(source, "segreform.evaluate.synth") == [
        "segreform.evaluate.synth:2: kernel package 'evaluate' imports segreform.store.db ('store' is outside the kernel)"
    ]
    inside_a_function = "def f():\n    import segreform.research.runs\n"
    assert len(violations(inside_a_function, "segreform.measure.api")) == 1
    assert violations("from segreform import scale\n", "segreform.measure.api")
    assert violations("from ..data import writer\n", "segreform.evaluate.did")  # relative imports count too
    assert violations("from segreform.measure import indices\n", "segreform.evaluate.did") == []
    assert violations("from segreform.evaluate import did\n", "segreform.measure.api")  # measure is below evaluate


def test_checker_reports_a_private_name_of_another_package():
    assert violations("from segreform.measure.api import _checked\n", "segreform.scale.dask_backend") == [
        "segreform.scale.dask_backend:1: imports private '_checked' of package 'measure' (segreform.measure.api)"
    ]
    assert violations("from segreform.measure._validate import plain\n", "segreform.scale.aspatial")
    assert violations("import segreform.measure._validate\n", "segreform.web.app")
    # Inside its own package a private name is fine, and so are dunder names.
    assert violations("from segreform.measure._validate import counts_table\n", "segreform.measure.api") == []
    assert violations("from . import _pairwise\n", "segreform.measure", is_package=True) == []
    assert violations("from segreform import __version__\n", "segreform.cli.app") == []


def test_the_source_keeps_the_layout_rules():
    found = [v for path, module, is_package in _modules() for v in violations(path.read_text(), module, is_package)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("module", ["segreform.evaluate.synth", "segreform.evaluate", "segreform.measure"])
def test_importing_a_kernel_loads_no_database_layer(module):
    code = f"import sys, {module}; bad = [m for m in ('sqlalchemy', 'segreform.store', 'segreform.data') if m in sys.modules]; assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], check=True)
