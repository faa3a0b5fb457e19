"""``chainrule.autodiff``'s modules are private: the rest of the package imports names from
``chainrule.autodiff`` and its ``ops`` namespace (users) or ``chainrule.extend``
(extenders), never another module inside it."""
from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import chainrule

PACKAGE = Path(chainrule.__file__).parent
BRIDGE = {PACKAGE / "extend.py"}  # the extenders' API re-exports autodiff's internals
PUBLIC = {"chainrule.autodiff", "chainrule.autodiff.ops"}


def _imported_modules(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path`` (or in ``source`` as if
    it were ``path``)."""
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])
    text = path.read_text() if source is None else source
    out = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            if name.startswith("chainrule."):  # "from ..autodiff import tracing": a module
                owner = importlib.import_module(name)
                out += [(node.lineno, f"{name}.{alias.name}") for alias in node.names
                        if isinstance(getattr(owner, alias.name, None), types.ModuleType)]
    return out


def test_no_module_outside_autodiff_imports_its_private_modules():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "autodiff") in path.parents or path in BRIDGE:
            continue
        for line, name in _imported_modules(path):
            if name.startswith("chainrule.autodiff.") and name not in PUBLIC:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_checker_sees_a_private_import():
    """The test above can fail: it resolves relative imports to autodiff's modules."""
    fake = PACKAGE / "nn" / "layers.py"
    names = [name for _, name in _imported_modules(fake)]
    assert "chainrule.autodiff" in names  # the public package, allowed
    source = "from ..autodiff.ops import fused\nfrom ..autodiff import tracing\n"
    found = [name for _, name in _imported_modules(PACKAGE / "nn" / "probe.py", source)]
    assert "chainrule.autodiff.ops.fused" in found and "chainrule.autodiff.tracing" in found


def test_compile_and_extend_are_public():
    from chainrule import extend

    assert chainrule.compile is chainrule.autodiff.compile
    for name in ("Primitive", "defvjp", "defjvp", "public", "replayed", "wrap_array",
                 "sum_to", "PRIMITIVES"):
        assert hasattr(extend, name)
