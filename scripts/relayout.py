"""Move the flat modules of qa/ and index/ into stage sub-packages, and rewrite every reference to them. Replayable.

    python scripts/relayout.py            # move what is still at an old path, rewrite references, print what changed
    python scripts/relayout.py --check    # change nothing; exit 1 if anything would change (CI / after a merge)

Idempotent: a second run changes nothing. Safe on a tree that mixes the old and the new layout (a branch merged after
the move that adds a file at an old path, or an import of an old name): files still at an old path are `git mv`-ed, and
every old dotted name, old file path and moved symbol is rewritten in

- Python files (qa/, index/, eval/, tests/, scripts/): import statements at any depth (``from qa import crossdoc, route``
  is split by destination), dotted names in code when the file imports the package plainly (``import index.read``),
  and every string and comment (``patch("index.records_sqlite.x")``, ``python -m qa.cli``, logger names, docstrings);
- text files: README.md, docs/, pyproject.toml, Makefile, .ci/, scripts/*.sh, prompts/.

An old name is a prefix of a new package's name where a module became a folder (`index/store.py` -> `index/store/`):
``index.store.records`` (a module of the new package) is left alone, ``index.store.Library`` or ``from index.store import
Library`` (a name of the old module) is rewritten. So the new packages must not hold a module named like a top-level
name of the old module; `check_collisions` refuses to run if one does.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# old module -> new module. New packages get an __init__.py (docstring added by hand, never overwritten here).
MOVES: dict[str, str] = {
    # index: read -> extract -> store -> search; the shared vocabulary (types, errors, units, metrics), the library
    # façade and the backend factory stay at the top
    "index.store": "index.library",
    "index.read": "index.read.files",
    "index.normalize": "index.read.normalize",
    "index.meta": "index.read.meta",
    "index.document": "index.read.document",
    "index.paths": "index.read.paths",
    "index.sections": "index.extract.sections",
    "index.chunks": "index.extract.chunks",
    "index.facts": "index.extract.facts",
    "index.facts_text": "index.extract.facts_text",
    "index.facts_table": "index.extract.facts_table",
    "index.facts_indicators": "index.extract.facts_indicators",
    "index.checks": "index.extract.checks",
    "index.injection": "index.extract.injection",
    "index.pipeline": "index.extract.pipeline",
    "index.records": "index.store.records",
    "index.records_sqlite": "index.store.sqlite",
    "index.records_pg": "index.store.postgres",
    "index.db": "index.store.db",
    "index.fsutil": "index.store.fsutil",
    "index.crashpoint": "index.store.crashpoint",
    "index.pg_pool": "index.store.pg_pool",  # added on the pg branch (not in this tree yet): moved when it arrives
    "index.search": "index.search.hybrid",
    "index.lexical": "index.search.lexical",
    "index.vectors": "index.search.vectors",
    "index.vectors_pg": "index.search.vectors_pg",
    "index.vectors_langchain": "index.search.vectors_langchain",
    "index.embed": "index.search.embed",
    "index.static_embed": "index.search.static_embed",
    "index.derived": "index.search.derived",
    # qa: parse -> plan -> execute -> render; the answer path (ask), its types, the CLI and render at the top
    "qa.parse": "qa.parse.parser",
    "qa.terms": "qa.parse.terms",
    "qa.orgs": "qa.parse.orgs",
    "qa.question": "qa.parse.guard",
    "qa.followup": "qa.parse.followup",
    "qa.agent": "qa.plan.rules",
    "qa.route": "qa.plan.route",
    "qa.llm": "qa.plan.llm",
    "qa.compose": "qa.execute.compose",
    "qa.crossdoc": "qa.execute.crossdoc",
    "qa.sumcheck": "qa.execute.sumcheck",
    "qa.parts": "qa.execute.parts",
    "qa.evidence": "qa.execute.evidence",
    "qa.textual": "qa.execute.textual",
    "qa.calc": "qa.execute.calc",
    "qa.tools": "qa.execute.tools",
    "qa.retriever": "qa.execute.retriever",
    "qa.web": "qa.web.app",
    "qa.web_chat": "qa.web.chat",
    "qa.web_context": "qa.web.context",
    "qa.web_docs": "qa.web.docs",
    "qa.web_facts": "qa.web.facts",
    "qa.web_refresh": "qa.web.refresh",
    "qa.web_render": "qa.web.render",
    "qa.ports": "qa.web.ports",
}

# names that left their module before the move (old module, name) -> module that holds them now (old layout name;
# MOVES applies on top). For code written before those commits and merged afterwards.
SYMBOLS: dict[tuple[str, str], str] = {
    ("qa.agent", "Agent"): "qa.ask",
    ("index.records", "open_records"): "index.backends",
    ("index.embed", "get_embeddings"): "index.backends",
}

PY_DIRS = ("qa", "index", "eval", "tests", "scripts")
TEXT_FILES = ("README.md", "pyproject.toml", "Makefile")
TEXT_DIRS = ("docs", ".ci", "prompts", "scripts")
TEXT_SUFFIXES = {".md", ".toml", ".sh", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".j2", ""}
SKIP = {Path("scripts/relayout.py")}  # the mapping itself


def path_of(module: str, package: bool = False) -> Path:
    parts = module.split(".")
    return Path(*parts, "__init__.py") if package else Path(*parts[:-1], parts[-1] + ".py")


def new_packages() -> list[str]:
    out: list[str] = []
    for new in MOVES.values():
        parts = new.split(".")
        for i in range(2, len(parts)):
            pkg = ".".join(parts[:i])
            if pkg not in out:
                out.append(pkg)
    return out


def children(package: str) -> set[str]:
    """Modules of a package in the new layout (from the mapping and from the tree: a file added later counts too)."""
    names = {new.rsplit(".", 1)[1] for new in MOVES.values() if new.rsplit(".", 1)[0] == package}
    folder = ROOT / Path(*package.split("."))
    if folder.is_dir():
        names |= {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        names |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    return names


def symbol_target(old: str, name: str) -> str:
    target = SYMBOLS.get((old, name))
    if target is None:
        return MOVES[old]
    return MOVES.get(target, target)


# ------------------------------------------------------------------------------------------------------ file moves


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def move_files(dry: bool) -> list[str]:
    done: list[str] = []
    for pkg in new_packages():
        init = ROOT / path_of(pkg, package=True)
        if not init.exists():
            done.append(f"create {init.relative_to(ROOT)}")
            if not dry:
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text("", encoding="utf-8")
                git("add", str(init.relative_to(ROOT)))
    for old, new in MOVES.items():
        src, dst = path_of(old), path_of(new)
        if not (ROOT / src).exists():
            continue
        if (ROOT / dst).exists():
            raise SystemExit(f"relayout: both {src} and {dst} exist; merge them by hand, then run again")
        done.append(f"git mv {src} {dst}")
        if not dry:
            (ROOT / dst).parent.mkdir(parents=True, exist_ok=True)
            git("mv", str(src), str(dst))
    return done


def check_collisions() -> None:
    """An old module that became a package must not have a top-level name equal to one of the package's modules."""
    for old in MOVES:
        if old not in new_packages():
            continue
        for candidate in (ROOT / path_of(old), ROOT / path_of(MOVES[old])):
            if candidate.exists():
                tree = ast.parse(candidate.read_text(encoding="utf-8"))
                clash = top_level_names(tree) & children(old)
                if clash:
                    raise SystemExit(f"relayout: {old} defines {sorted(clash)}, also modules of the new package {old}")
                break


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


# ------------------------------------------------------------------------------------------------------ dotted names

_OLD = sorted(MOVES, key=len, reverse=True)


def _pattern() -> re.Pattern[str]:
    alts = []
    for old in _OLD:
        keep = children(old) if old in new_packages() else set()
        guard = rf"(?!\.(?:{'|'.join(sorted(keep))})\b)" if keep else ""
        alts.append(re.escape(old) + r"(?![\w])" + guard)
    return re.compile(r"(?<![\w.])(?:" + "|".join(alts) + r")(?:\.(\w+))?")


def rewrite_dotted(text: str, pattern: re.Pattern[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        whole = m.group(0)
        attr = m.group(1)
        old = whole[: -len(attr) - 1] if attr else whole
        if old not in MOVES:  # the optional attribute swallowed a dotted old name's last part: match again
            return whole
        if attr is None and m.string[m.end() : m.end() + 1] == "(":
            return whole  # a module is never called: `index.search(…)` is a variable's method (code inside a string)
        if attr is not None:
            return f"{symbol_target(old, attr)}.{attr}"
        return MOVES[old]

    return pattern.sub(sub, text)


_PATHS = sorted(MOVES, key=len, reverse=True)


def _path_pattern() -> re.Pattern[str]:
    alts = [re.escape(str(path_of(old))) for old in _PATHS]
    return re.compile(r"(?<![\w/.])(?:" + "|".join(alts) + r")(?![\w])")


def rewrite_paths(text: str, pattern: re.Pattern[str]) -> str:
    by_path = {str(path_of(old)): str(path_of(new)) for old, new in MOVES.items()}
    return pattern.sub(lambda m: by_path[m.group(0)], text)


# ------------------------------------------------------------------------------------------------------ imports


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    if not node.level:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def names_text(names: list[ast.alias]) -> str:
    return ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in names)


def rewrite_import(node: ast.ImportFrom, target_module: str | None) -> list[tuple[str, list[ast.alias]]] | None:
    """The `from X import …` statements that replace `node` (grouped by module, in order), or None to keep it."""
    mod = target_module
    if mod is None:
        return None
    groups: dict[str, list[ast.alias]] = {}
    changed = False
    for alias in node.names:
        dest = mod
        if mod in MOVES and not (mod in new_packages() and alias.name in children(mod)):
            dest = symbol_target(mod, alias.name)
            changed = True
        elif f"{mod}.{alias.name}" in MOVES and alias.name != "*":
            new = MOVES[f"{mod}.{alias.name}"]
            parent, leaf = new.rsplit(".", 1)
            asname = alias.asname or (alias.name if leaf != alias.name else None)
            groups.setdefault(parent, []).append(ast.alias(name=leaf, asname=asname))
            changed = True
            continue
        groups.setdefault(dest, []).append(alias)
    return list(groups.items()) if changed else None


def rewrite_python(text: str, module: str, is_package: bool, pattern: re.Pattern[str], paths: re.Pattern[str]) -> str:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = io.StringIO(text, newline="").readlines()  # split at line ends only, as ast and tokenize do
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(lineno: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets
        return offsets[lineno - 1] + len(lines[lineno - 1].encode("utf-8")[:col].decode("utf-8"))

    edits: list[tuple[int, int, str]] = []
    import_spans: list[tuple[int, int]] = []
    plain = False  # the file imports a qa/index module by its dotted name: dotted names in code are module paths
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            start, end = at(node.lineno, node.col_offset), at(node.end_lineno or node.lineno, node.end_col_offset or 0)
            import_spans.append((start, end))
            groups = rewrite_import(node, resolve(node, module, is_package))
            if groups is None:
                continue
            indent = " " * len(lines[node.lineno - 1][: start - offsets[node.lineno - 1]])
            stmts = []
            for mod, names in groups:
                one = f"from {mod} import {names_text(names)}"
                if len(indent) + len(one) > 120:
                    one = f"from {mod} import (\n" + "".join(f"{indent}    {names_text([a])},\n" for a in names)
                    one += f"{indent})"
                stmts.append(one)
            edits.append((start, end, f"\n{indent}".join(stmts)))
        elif isinstance(node, ast.Import):
            start, end = at(node.lineno, node.col_offset), at(node.end_lineno or node.lineno, node.end_col_offset or 0)
            if any(a.name.split(".")[0] in ("qa", "index") and a.asname is None for a in node.names):
                plain = True  # `import index.read` binds `index`; `import index.read as r` does not
            new = rewrite_dotted(text[start:end], pattern)
            import_spans.append((start, end))
            if new != text[start:end]:
                edits.append((start, end, new))

    # strings and comments everywhere; dotted names in code only where the package is imported plainly
    def inside_import(pos: int) -> bool:
        return any(s <= pos < e for s, e in import_spans)

    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        start = offsets[tok.start[0] - 1] + tok.start[1] if tok.start[0] <= len(lines) else len(text)  # characters
        if tok.type in (tokenize.STRING, tokenize.COMMENT) and not inside_import(start):
            new = rewrite_paths(rewrite_dotted(tok.string, pattern), paths)
            if new != tok.string:
                edits.append((start, start + len(tok.string), new))
        elif plain and tok.type == tokenize.NAME and tok.string in ("qa", "index") and not inside_import(start):
            prev = tokens[i - 1] if i else None
            if prev is None or prev.string != ".":
                j = i
                while j + 2 < len(tokens) and tokens[j + 1].string == "." and tokens[j + 2].type == tokenize.NAME:
                    if tokens[j + 1].start != tokens[j].end or tokens[j + 2].start != tokens[j + 1].end:
                        break
                    j += 2
                if j > i:
                    dotted = "".join(t.string for t in tokens[i : j + 1])
                    new = rewrite_dotted(dotted, pattern)
                    if new != dotted:
                        edits.append((start, start + len(dotted), new))
                    i = j
        i += 1
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text


def module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def files() -> tuple[list[Path], list[Path]]:
    py: list[Path] = []
    for d in PY_DIRS:
        py += sorted((ROOT / d).rglob("*.py"))
    text = [ROOT / f for f in TEXT_FILES if (ROOT / f).exists()]
    for d in TEXT_DIRS:
        if (ROOT / d).is_dir():
            text += sorted(p for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)
    py = [p for p in py if p.relative_to(ROOT) not in SKIP and ".venv" not in p.parts]
    text = [p for p in text if p.relative_to(ROOT) not in SKIP and p not in py]
    return py, text


def rewrite_all(dry: bool) -> list[str]:
    pattern, paths = _pattern(), _path_pattern()
    changed: list[str] = []
    py, text = files()
    for path in py + text:
        try:
            old = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.suffix == ".py":
            module, is_package = module_name(path)
            new = rewrite_python(old, module, is_package, pattern, paths)
        else:
            new = rewrite_paths(rewrite_dotted(old, pattern), paths)
        if new != old:
            changed.append(f"rewrite {path.relative_to(ROOT)}")
            if not dry:
                path.write_text(new, encoding="utf-8")
    return changed


def sort_imports(paths: list[str]) -> None:
    """Rewritten imports may be out of order: let ruff sort them (only that rule), if it is installed."""
    py = [p for p in paths if p.endswith(".py")]
    if py:
        subprocess.run([sys.executable, "-m", "ruff", "check", "-q", "--select", "I001", "--fix", *py], cwd=ROOT)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything would change")
    args = ap.parse_args()
    check_collisions()
    moved = move_files(dry=args.check)
    rewritten = rewrite_all(dry=args.check) if not (args.check and moved) else ["(references: after the moves)"]
    if not args.check:
        sort_imports([line.removeprefix("rewrite ") for line in rewritten])
    for line in moved + rewritten:
        print(line)
    if not moved and not rewritten:
        print("relayout: nothing to do")
    return 1 if args.check and (moved or rewritten) else 0


if __name__ == "__main__":
    sys.exit(main())
