"""The arrows of the architecture, checked on the source: ``courses → badges → core``, no import circle, no private
name borrowed from another module, imports at the top of the file unless a ``# why:`` comment says why.

Every module of ``core``, ``courses`` and ``badges`` is parsed with ``ast`` (nothing is imported). Imports at
module level and inside functions both count: an import moved into a function to dodge a circle is still a
circle. The one exception is the composition root, ``core.create_app``, whose body imports every package's
blueprints and CLI groups (that is its job); those imports are left out of the graph, as are imports for type
checkers only (``if TYPE_CHECKING:``), which never run. Both still obey the arrows.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "courses", "badges")
LAYER = {"core": 0, "badges": 1, "courses": 2}  # a package may import only packages of a lower or equal layer
COMPOSITION_ROOT = ("core", "create_app")  # (module, function) whose body may import anything
WHY = "# why:"  # the marker that justifies an import inside a function


@dataclass
class Import:
    source: str  # the importing module
    target: str  # the imported module (resolved, internal only)
    line: int
    in_function: str | None  # the enclosing function's name, None at module level
    names: list[str] = field(default_factory=list)  # names taken by ``from target import …``
    justified: bool = False
    type_only: bool = False  # under ``if TYPE_CHECKING:``: never executed, so it cannot close a circle


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module
    lines: list[str]


def _modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            text = path.read_text(encoding="utf-8")
            found[".".join(parts)] = Module(
                ".".join(parts), path, is_package, ast.parse(text, str(path)), text.splitlines()
            )
    return found


MODULES = _modules()


def _internal(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _resolve_base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module named by ``from X import …`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    parts = module.name.split(".")
    if not module.is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _deepest_known(name: str) -> str:
    """``core.privacy.services.x`` → ``core.privacy.services``: the module that a dotted name lives in."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts)


def _justified(module: Module, node: ast.stmt) -> bool:
    """A ``# why:`` comment on the import's own lines, or above it: one comment may cover a run of imports."""
    first = node.lineno - 1
    last = (node.end_lineno or node.lineno) - 1
    if any(WHY in line for line in module.lines[first : last + 1]):
        return True
    above = first - 1
    while above >= 0:
        line = module.lines[above].strip()
        if WHY in line:
            return True
        if not line.startswith(("#", "import ", "from ", ")")) and not line.endswith(",") and line:
            return False
        above -= 1
    return False


class _Collector(ast.NodeVisitor):
    """Gathers a module's imports (with the function they sit in) and the names bound to imported modules."""

    def __init__(self, module: Module):
        self.module = module
        self.imports: list[Import] = []
        self.module_aliases: dict[str, str] = {}  # local name → internal module it is bound to
        self.functions: list[str] = []
        self.type_checking = 0

    def visit_If(self, node: ast.If) -> None:
        guarded = isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        self.type_checking += guarded
        for statement in node.body:
            self.visit(statement)
        self.type_checking -= guarded
        for statement in node.orelse:
            self.visit(statement)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _add(self, node: ast.stmt, target: str, names: list[str]) -> None:
        self.imports.append(
            Import(
                source=self.module.name,
                target=target,
                line=node.lineno,
                in_function=self.functions[0] if self.functions else None,
                names=names,
                justified=_justified(self.module, node),
                type_only=self.type_checking > 0,
            )
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _internal(alias.name):
                continue
            self._add(node, _deepest_known(alias.name), [])
            if alias.asname:
                self.module_aliases[alias.asname] = alias.name
            else:  # ``import a.b`` binds ``a``; attribute chains are followed from there
                self.module_aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve_base(self.module, node)
        if not _internal(base):
            return
        plain: list[str] = []
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            if submodule in MODULES:  # ``from pkg import mod``: an import of the module itself
                self._add(node, submodule, [])
                self.module_aliases[alias.asname or alias.name] = submodule
            else:
                plain.append(alias.name)
        if plain:
            self._add(node, _deepest_known(base), plain)


def _collect() -> tuple[list[Import], dict[str, dict[str, str]]]:
    imports: list[Import] = []
    aliases: dict[str, dict[str, str]] = {}
    for module in MODULES.values():
        collector = _Collector(module)
        collector.visit(module.tree)
        imports.extend(collector.imports)
        aliases[module.name] = collector.module_aliases
    return imports, aliases


IMPORTS, ALIASES = _collect()


def _in_composition_root(imp: Import) -> bool:
    return (imp.source, imp.in_function) == COMPOSITION_ROOT


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        if imp.target != imp.source and not _in_composition_root(imp) and not imp.type_only:
            graph[imp.source].add(imp.target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan), spelled out."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)

    cycles = []
    for component in components:
        start = min(component)
        # breadth-first search for the shortest way back to ``start`` inside the component
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    cycles.append(paths[node] + [start])
                    queue = []
                    break
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    queue.append(nxt)
    return cycles


def _lines(source: str, target: str) -> list[str]:
    return [f"line {imp.line}" for imp in IMPORTS if (imp.source, imp.target) == (source, target)]


def test_the_checker_sees_the_whole_code() -> None:
    """A guard on the guard: the walk finds the packages, their imports, and the composition root."""
    assert {"core", "core.db", "courses.services", "badges.services", "badges.verification.ob3"} <= set(MODULES)
    assert any(imp.source == "courses.services" and imp.target.startswith("core") for imp in IMPORTS)
    assert any(_in_composition_root(imp) and imp.target.startswith("courses") for imp in IMPORTS)


def test_cycles_are_found_and_spelled_out() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    report = []
    for cycle in cycles:
        lines = [f"{a} → {b}: " + ", ".join(_lines(a, b)) for a, b in itertools.pairwise(cycle)]
        report.append(" → ".join(cycle) + "\n    " + "\n    ".join(lines))
    assert not cycles, "import circles:\n" + "\n".join(report)


def test_imports_follow_the_arrows() -> None:
    wrong = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if not _in_composition_root(imp) and LAYER[imp.target.split(".")[0]] > LAYER[imp.source.split(".")[0]]
    ]
    assert not wrong, "imports against courses → badges → core:\n" + "\n".join(wrong)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _attribute_module(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The internal module that ``node`` names (``badges.services`` for ``services`` or ``badges.services``)."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _attribute_module(node.value, aliases)
        if parent is not None and f"{parent}.{node.attr}" in MODULES:
            return f"{parent}.{node.attr}"
    return None


def test_no_private_name_used_outside_its_module() -> None:
    borrowed = [
        f"{imp.source}:{imp.line} imports {name} from {imp.target}"
        for imp in IMPORTS
        if imp.target != imp.source
        for name in imp.names
        if _private(name)
    ]
    for module in MODULES.values():
        aliases = ALIASES[module.name]
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = _attribute_module(node.value, aliases)
                if owner is not None and owner != module.name:
                    borrowed.append(f"{module.name}:{node.lineno} uses {owner}.{node.attr}")
    assert not borrowed, "private names used outside their module:\n" + "\n".join(sorted(borrowed))


def _outside_functions(node: ast.AST) -> list[ast.AST]:
    """The nodes under ``node`` that are not inside a nested function."""
    found = []
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(child)
            found.extend(_outside_functions(child))
    return found


def _hidden_imports(module: Module) -> list[str]:
    """Imports inside a function, or below the module's first function or class, without a ``# why:`` comment."""
    hidden = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for statement in _outside_functions(node):  # nested functions are walked on their own
            if isinstance(statement, ast.Import | ast.ImportFrom) and not _justified(module, statement):
                hidden.append(f"{module.name}:{statement.lineno} ({node.name})")
    seen_code = False
    for statement in module.tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            seen_code = True
        elif seen_code and isinstance(statement, ast.Import | ast.ImportFrom) and not _justified(module, statement):
            hidden.append(f"{module.name}:{statement.lineno} (below the code)")
    return sorted(set(hidden))


def test_imports_sit_at_the_top_unless_a_comment_says_why() -> None:
    hidden = [line for module in MODULES.values() for line in _hidden_imports(module)]
    assert not hidden, f"{len(hidden)} imports not at the top of their file, without a '{WHY}' comment:\n" + "\n".join(
        hidden
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    import json\n", 1),
        ("def f():\n    import json  # why: only the CLI needs it\n", 0),
        ("def f():\n    # why: a heavy optional import\n    from json import dumps\n", 0),
        ("def f():\n    def g():\n        import json\n", 1),
        ("def f():\n    # why: heavy\n    import json\n    import csv\n\n    csv.x = json\n    import os\n", 1),
        ("import json\n\n\ndef f():\n    pass\n\n\nimport os\n", 1),
    ],
)
def test_the_top_rule_reads_why_comments(source: str, expected: int) -> None:
    module = Module("sample", Path("sample.py"), False, ast.parse(source), source.splitlines())
    assert len(_hidden_imports(module)) == expected
