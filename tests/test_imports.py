"""No import cycle in the package: module-level and function-local imports alike (a
function-local import hides a cycle from Python, not from the reader); and no stage imports a
later one (the folders are the stages, in data-flow order)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "ruralstudy"


def import_graph(pkg: Path = PKG, name: str = "ruralstudy") -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its source (relative or absolute;
    ``from . import x`` counts as importing ``x``), from the AST, nothing executed. Modules are
    named by their dotted path inside the package (``build.steps``, ``registry``)."""
    def dotted(p: Path) -> str:
        return ".".join(p.relative_to(pkg).with_suffix("").parts)

    files = {dotted(p): p for p in sorted(pkg.rglob("*.py"))
             if "__pycache__" not in p.parts and p.stem != "__init__"}
    modules = set(files)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in files.items():
        here = m.split(".")[:-1]  # the package the module is in, as parts below the root
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            bases: list[list[str]] = []
            if isinstance(node, ast.ImportFrom):
                mod = (node.module or "").split(".") if node.module else []
                if node.level:
                    if node.level - 1 > len(here):
                        continue
                    base = here[:len(here) - (node.level - 1)] + mod
                elif mod and mod[0] == name:
                    base = mod[1:]
                else:
                    continue
                bases.append(base)
                bases += [base + [a.name] for a in node.names]  # from pkg import module
            elif isinstance(node, ast.Import):
                bases += [a.name.split(".")[1:] for a in node.names
                          if a.name.startswith(name + ".")]
            targets = {".".join(b) for b in bases}
            graph[m] |= {t for t in targets if t in modules and t != m}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_local_and_package_relative_imports(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from . import c\nimport ruralstudy.a\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("", encoding="utf-8")
    assert import_graph(tmp_path) == {"a": {"b"}, "b": {"a", "c"}, "c": set()}


def test_the_package_has_no_import_cycle():
    found = cycles(import_graph())
    assert found == [], "import cycles (module-level or function-local):\n" + "\n".join(
        " <-> ".join(c) for c in found)


# --- stages: a stage imports only earlier stages (and the shared top-level modules) ----------

#: The stages in data-flow order (README, "Layout"); stages of one rank may import each other
#: as long as no cycle runs between them.
STAGES: dict[str, int] = {
    "language": 0, "texts": 1, "figures": 2, "measures": 3, "tables": 4,
    "evaluation": 5, "findings": 5,
    "build": 6, "execute": 6, "site": 6,
}
#: Top-level modules every stage may use; they import no stage.
SHARED = {"registry", "errors", "iorw", "paths", "memory"}
#: The entry points: they may import anything, and nothing imports them.
ENTRY = {"cli", "__main__"}


def stage_of(module: str) -> str:
    """The subpackage a module is in, or the top-level module's own name."""
    return module.split(".")[0]


def stage_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m, targets in graph.items():
        out.setdefault(stage_of(m), set()).update(
            stage_of(t) for t in targets if stage_of(t) != stage_of(m))
    return out


def backward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import that goes against the stage order, as 'importer -> imported'."""
    bad = []
    for m, targets in sorted(graph.items()):
        sm = stage_of(m)
        for t in sorted(targets):
            st = stage_of(t)
            if sm == st or sm in ENTRY:
                continue
            if st in ENTRY:
                bad.append(f"{m} -> {t} (the command line is imported by no module)")
            elif sm in SHARED and st not in SHARED:
                bad.append(f"{m} -> {t} (a shared top-level module imports no stage)")
            elif sm in STAGES and st in STAGES and STAGES[st] > STAGES[sm]:
                bad.append(f"{m} -> {t} ({sm} comes before {st})")
    return bad


def test_every_module_is_in_a_known_stage():
    unknown = {stage_of(m) for m in import_graph()} - set(STAGES) - SHARED - ENTRY
    assert unknown == set(), (f"new top-level modules or subpackages: add them to STAGES (and "
                              f"the README's map) or SHARED: {sorted(unknown)}")


def test_the_stage_checker_finds_a_backward_import():
    graph = {"texts.a": {"build.b", "language.c", "iorw"}, "build.b": {"texts.a"},
             "iorw": {"tables.d"}, "cli": {"build.b"}, "language.c": set(), "tables.d": set()}
    assert backward_imports(graph) == [
        "iorw -> tables.d (a shared top-level module imports no stage)",
        "texts.a -> build.b (texts comes before build)"]
    assert cycles(stage_graph(graph)) == [["build", "texts"]]


def test_no_stage_imports_a_later_stage():
    bad = backward_imports(import_graph())
    assert bad == [], "imports against the stage order " + " -> ".join(
        sorted(STAGES, key=STAGES.get)) + ":\n" + "\n".join(bad)


def test_the_stages_have_no_import_cycle_between_them():
    found = cycles(stage_graph(import_graph()))
    assert found == [], f"stages that import each other: {found}"


def test_the_readme_map_names_every_stage_and_module():
    """The README's map of ``src/ruralstudy/`` (its "Layout" section) is the folder list: every
    subpackage is named as a folder, in stage order, and every module by its name."""
    readme = (PKG.parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```\nsrc/ruralstudy/\n", 1)[1].split("```", 1)[0]
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", block))
    modules = set(import_graph())
    missing = sorted(m for m in modules if m.split(".")[-1] not in words)
    assert missing == [], f"modules the README's map does not name: {missing}"
    folders = re.findall(r"^  ([a-z_]+)/", block, flags=re.M)
    assert sorted(folders) == sorted(STAGES)
    assert [STAGES[f] for f in folders] == sorted(STAGES[f] for f in folders), \
        f"the map's folders are not in stage order: {folders}"
