"""The layers import one way, with no cycle: read from the source, every import counted.

``slack`` → ``services`` → ``backup_api``; ``wakeup`` and ``watch`` → ``services`` and
``state``; nothing under ``backup_api``, ``services``, ``state``, ``wakeup`` or ``watch``
imports Slack; only the CLI and the local stand-ins import the simulator and ``devtools``.
Imports inside functions count too (a lazy import is still a dependency); those under
``if TYPE_CHECKING:`` do not, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in BOT.rglob("*.py")}


def _layer(module: str) -> str:
    """``bot.slack.listeners.actions`` → ``slack``; ``bot.wiring`` → ``wiring``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _target(name: str) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def layer_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        for name in _imports(path):
            target = _target(name)
            if target is None or target == "bot":
                continue
            source_layer, target_layer = _layer(module), _layer(target)
            if source_layer and target_layer and source_layer != target_layer:
                graph.setdefault(source_layer, set()).add(target_layer)
    return graph


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        path.append(node)
        for following in sorted(graph.get(node, ())):
            found = visit(following)
            if found is not None:
                return found
        path.pop()
        return None

    return visit(start)


def test_the_layers_import_each_other_without_a_cycle() -> None:
    graph = layer_graph()
    cycles = [c for start in sorted(graph) if (c := _cycle_from(graph, start)) is not None]
    assert cycles == [], " ; ".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("layer", ["backup_api", "services", "state", "wakeup", "watch"])
def test_no_slack_below_the_slack_layer(layer: str) -> None:
    assert "slack" not in layer_graph().get(layer, set())


def test_only_the_cli_and_the_stand_ins_import_the_simulator_and_devtools() -> None:
    graph = layer_graph()
    importers = {source for source, targets in graph.items() if targets & {"simulator", "devtools"}}
    assert importers <= {"cli", "devtools", "simulator"}


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert _cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert _cycle_from({"a": {"b"}, "b": set()}, "a") is None
