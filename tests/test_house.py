"""The house stays as drawn: no import cycle among bot's modules, no module much over 500
lines, no rule in the router's way in (features decide), no channel named in a feature,
no two sentences under one name in bot/texts."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
MOST_LINES = 520  # "about 500"
FEATURES = ("intake", "workflow", "sla", "figures", "care", "jurisdiction", "messaging")


def modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """What a module imports when it is imported (imports inside functions run later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n in known}
    return out


def test_no_import_cycle():
    mods = modules()
    graph = {name: top_level_imports(path, set(mods)) - {name} for name, path in mods.items()}
    seen: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> list[str] | None:
        seen[name] = 1
        for dep in sorted(graph[name]):
            # a package's __init__ importing its own modules is how packages work
            if name.startswith(dep + ".") or dep.startswith(name + "."):
                continue
            if seen.get(dep) == 1:
                return path + [dep]
            if dep not in seen and (cycle := visit(dep, path + [dep])):
                return cycle
        seen[name] = 2
        return None

    for name in sorted(graph):
        if name not in seen:
            cycle = visit(name, [name])
            assert cycle is None, " -> ".join(cycle)


def test_no_module_much_over_500_lines():
    big = {str(p.relative_to(BOT.parent)): n for p in BOT.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MOST_LINES}
    assert big == {}


def test_features_never_name_a_channel():
    named = [str(p.relative_to(BOT.parent)) for pkg in FEATURES for p in (BOT / pkg).rglob("*.py")
             if '"telegram"' in p.read_text(encoding="utf-8") or "import telegram" in p.read_text(encoding="utf-8")
             or "from telegram" in p.read_text(encoding="utf-8")]
    assert named == []


def test_each_name_in_texts_names_one_sentence():
    """bot.texts gathers its modules with `import *`: a name defined in two of them would
    silently read the last one's sentence (a resident once got the staff's picker title,
    "工单 {number}：…", braces and all). A name may be imported from another module, not redefined."""
    defined: dict[str, list[str]] = {}
    for path in sorted((BOT / "texts").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and t.id.isupper():
                    defined.setdefault(t.id, []).append(path.name)
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}
