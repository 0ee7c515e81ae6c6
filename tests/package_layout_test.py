"""The package's plan: its folders import each other in one direction only, and one atomic writer."""
import ast
import os
import re

import tfcompress

PACKAGE = os.path.dirname(os.path.abspath(tfcompress.__file__))


def unit_of(relative_path):
    """The folder (sub-package) a module belongs to, or the module's own name at the top level."""
    parts = relative_path.split(os.sep)
    return parts[0] if len(parts) > 1 else os.path.splitext(parts[0])[0]


def imported_modules(tree):
    """Every ``tfcompress.*`` module an AST imports, at any depth (function-level imports included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def unit_graph():
    """unit -> the other units of the package it imports."""
    units = {unit_of(os.path.relpath(os.path.join(folder, name), PACKAGE))
             for folder, _, names in os.walk(PACKAGE) for name in names if name.endswith(".py")}
    graph = {unit: set() for unit in units}
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            source = unit_of(os.path.relpath(path, PACKAGE))
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for module in imported_modules(tree):
                parts = module.split(".")
                if parts[0] == "tfcompress" and len(parts) > 1 and parts[1] in units and parts[1] != source:
                    graph[source].add(parts[1])
    return graph


def cycles(graph):
    """Strongly connected components with more than one unit (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(unit):
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for other in sorted(graph[unit]):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in on_stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_no_two_folders_of_the_package_import_each_other():
    graph = unit_graph()
    assert {"tflite", "export", "pipeline", "report", "distill"} <= set(graph)
    assert cycles(graph) == [], {unit: sorted(targets) for unit, targets in graph.items()}


def test_the_cycle_finder_finds_a_cycle_through_three_folders():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_bottom_layer_imports_nothing_of_the_package():
    graph = unit_graph()
    assert graph["atomic"] == set() and graph["evaluation"] == set()


def test_files_are_replaced_atomically_in_one_place_only():
    writers = []
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py") and name != "atomic.py":
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                if "mkstemp(" in text or "os.replace(" in text and "staging" not in text:
                    writers.append(os.path.relpath(os.path.join(folder, name), PACKAGE))
    assert writers == []


PACKAGE_IMPORT = re.compile(r"from tfcompress[\w.]* import \(?([\w, ]*)")


def test_the_private_import_check_sees_private_names():
    assert PACKAGE_IMPORT.findall("from tfcompress.pipeline import (_OBJECTIVES, RECIPES)") == ["_OBJECTIVES, RECIPES"]


def _scripts():
    repo = os.path.dirname(PACKAGE)
    for folder in ("benchmarks", "notebooks"):
        for name in sorted(os.listdir(os.path.join(repo, folder))):
            if name.endswith((".py", ".ipynb")):
                with open(os.path.join(repo, folder, name), encoding="utf-8") as handle:
                    yield f"{folder}/{name}", handle.read()


def test_benchmarks_and_notebooks_train_through_the_one_recipe():
    fit_loops = [name for name, text in _scripts()
                 if any(sign in text for sign in (".compile(", "Distiller(", "keras.optimizers", "model.fit("))]
    private = [name for name, text in _scripts() for imported in PACKAGE_IMPORT.findall(text)
               if any(part.strip().startswith("_") for part in imported.split(","))]
    assert fit_loops == [] and private == []
