#!/usr/bin/env python3
"""Make the notebooks read right through nbdev's docs processor (`nbdev_proc_nbs`, `nbdev_docs`, `.ci/docs`):

1. The first markdown cell keeps only `# title` and the `> description` (one line): nbdev turns that cell into the
   page's frontmatter and drops everything else in it, and keeps only the first line of a blockquote. The rest of the
   cell moves into a new markdown cell right below.
2. Split code cells that mix imports with other code, so nbdev's docs processor stops warning
("Found cells containing imports and other code") and stops executing test code when it only needs the imports.

nbdev's `exec_show_docs` runs every cell that contains an import (to resolve `show_doc` targets); when such a cell
also holds test code, that code runs without the cells before it and can fail (03_amass: NameError 'fc').

For every code cell that nbdev's own `_do_eval` warns about, its top-level import statements move into a new cell
right above it, carrying the same `#|` directive lines (`hide`, `slow`, ...). An import is moved above the code that
precedes it in the cell only when that code uses none of the names the import binds (nor its top-level package) and
does not touch sys.path, os.environ or the working directory; otherwise the cell is cut at that point instead, so the
order of execution is exactly the original one. Imports nested in blocks (a `def`, a `try`) are left alone and
reported; nbdev runs nothing of a notebook without exports, so those in 14_quickstart_study are harmless.
Deterministic and idempotent: re-running it on its own output changes nothing.

Usage: python tools/split_cells_for_docs.py [NOTEBOOK ...]   (default: every nbs/*.ipynb); then nbdev_clean.
"""
import ast, hashlib, json, re, sys, warnings
from pathlib import Path

from nbdev.process import NBProcessor
from nbdev.processors import _do_eval


def _mixed(cell) -> bool:
    "nbdev's own criterion: `_do_eval` warns about the cell."
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        _do_eval(cell)
    return any('imports and other code' in str(x.message) for x in w)


def _names(nodes) -> set:
    "Every identifier a list of statements reads or binds (Name ids, import aliases, def/class names)."
    out = set()
    for n in nodes:
        for x in ast.walk(n):
            if isinstance(x, ast.Name): out.add(x.id)
            elif isinstance(x, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(x.name)
            elif isinstance(x, (ast.Import, ast.ImportFrom)): out |= _bound(x)
    return out


def _bound(imp) -> set:
    "Names an import binds, plus its top-level package."
    if isinstance(imp, ast.ImportFrom):
        return {a.asname or a.name for a in imp.names} | {(imp.module or '').split('.')[0]}
    return {a.asname or a.name.split('.')[0] for a in imp.names} | {a.name.split('.')[0] for a in imp.names}


def _changes_env(nodes) -> bool:
    "Does the code touch sys.path, os.environ or the working directory (which could change what an import does)?"
    return any(isinstance(x, ast.Attribute) and isinstance(x.value, ast.Name) and (x.value.id, x.attr) in
               {('sys', 'path'), ('os', 'environ'), ('os', 'chdir'), ('os', 'putenv')} for n in nodes for x in ast.walk(n))


def split_source(src: str) -> list[str] | None:
    "The cell source as a list of cell sources (directive lines repeated in each), or None if it is left alone."
    lines = src.splitlines()
    dirs = [l for l in lines if l.lstrip().startswith('#|')]
    body_start = max((i + 1 for i, l in enumerate(lines) if l.lstrip().startswith('#|')), default=0)
    tree = ast.parse(src)
    stmts = tree.body
    is_imp = [isinstance(s, (ast.Import, ast.ImportFrom)) for s in stmts]
    shared = {s.lineno for s in stmts if sum(t.lineno <= s.lineno <= t.end_lineno for t in stmts) > 1}
    if any(imp and s.lineno in shared for s, imp in zip(stmts, is_imp)): return None   # `import a; b`: leave it to a person
    if not any(is_imp) or all(is_imp): return None
    # hoist each import above the preceding code when that code cannot interact with it; else cut the cell there
    groups, head, code = [], [], []                                    # groups: list of (kind, [stmt])
    for s, imp in zip(stmts, is_imp):
        if not imp: code.append(s); continue
        if code and (_bound(s) & _names(code) or _changes_env(code)):
            groups += [('imp', head), ('code', code)]; head, code = [], []
        head.append(s)
    groups += [('imp', head), ('code', code)]
    groups = [g for g in groups if g[1]]

    owner, k = [], 0                                                   # each line -> the statement it belongs to; comments
    for i in range(len(lines)):                                        # and blank lines: the next non-import statement
        while k < len(stmts) - 1 and i >= stmts[k].end_lineno: k += 1
        j = k
        if i < stmts[k].lineno - 1:                                    # a comment or blank line before statement k
            j = next((m for m in range(k, len(stmts)) if not is_imp[m]), k)
        owner.append(j)
    index = {id(s): j for j, s in enumerate(stmts)}
    out = []
    for kind, ss in groups:
        mine = {index[id(s)] for s in ss}
        body = '\n'.join(l for i, l in enumerate(lines) if i >= body_start and owner[i] in mine).strip('\n')
        out.append('\n'.join(dirs + [body]))
    return out


def _cell(c: dict, text: str) -> dict:
    "Set a cell's source in the notebook-file layout (list of lines)."
    c['source'] = [l + '\n' for l in text.split('\n')]
    c['source'][-1] = c['source'][-1].rstrip('\n')
    return c


def split_title(src: str) -> list[str] | None:
    "nbdev's frontmatter takes the first markdown cell's `# title` and first `> line` and drops the rest of that cell:"
    "keep title + description (the whole first blockquote, joined on one line) there and move the rest below."
    lines = src.splitlines()
    t = next((i for i, l in enumerate(lines) if re.match(r'^#\s+\S', l)), None)
    if t is None: return None
    q = next((i for i in range(t + 1, len(lines)) if lines[i].strip()), None)
    quote = []
    if q is not None and lines[q].startswith('>'):
        while q < len(lines) and lines[q].startswith('>'): quote.append(lines[q].lstrip('>').strip()); q += 1
    rest = lines[q:] if quote else lines[t + 1:]
    rest = [l for l in lines[:t]] + rest
    if not ''.join(rest).strip(): return None                            # already title (+ description) only
    head = [lines[t]] + (['', '> ' + ' '.join(quote)] if quote else [])
    return ['\n'.join(head), '\n'.join(rest).strip('\n')]


def split_notebook(path: Path) -> list[str]:
    "Split the mixed cells of one notebook in place; returns one line per change (or per cell left alone)."
    nb_raw = json.loads(path.read_text())
    proc = NBProcessor(path)
    report, new_cells, title_done = [], [], False
    for raw, cell in zip(nb_raw['cells'], proc.nb.cells):
        if cell.cell_type == 'markdown' and not title_done:
            title_done = True
            parts = split_title(''.join(raw['source']))
            if parts:
                new_cells += [_cell(dict(raw), parts[0]), _cell({'cell_type': 'markdown', 'metadata': {},
                              'id': hashlib.sha1(f'{raw.get("id")}:rest'.encode()).hexdigest()[:8]}, parts[1])]
                report.append(f'{path.name} cell {raw.get("id")}: title and description kept, the rest of the cell moved below')
                continue
        if cell.cell_type != 'code' or not _mixed(cell):
            new_cells.append(raw); continue
        try: parts = split_source(''.join(raw['source']))
        except SyntaxError: parts = None                               # magics: not plain Python
        if parts is None:
            report.append(f'{path.name} cell {raw.get("id")}: left alone (its imports are nested in a block or share a line with code)')
            new_cells.append(raw); continue
        for k, part in enumerate(parts):
            last = k == len(parts) - 1
            c = dict(raw) if last else {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': []}
            if not last: c['id'] = hashlib.sha1(f'{raw.get("id")}:{k}'.encode()).hexdigest()[:8]
            new_cells.append(_cell(c, part))
        report.append(f'{path.name} cell {raw.get("id")}: split into {len(parts)} cells')
    if len(new_cells) != len(nb_raw['cells']):
        nb_raw['cells'] = new_cells
        path.write_text(json.dumps(nb_raw, indent=1, ensure_ascii=False) + '\n')
    return report


if __name__ == '__main__':
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path('nbs').glob('*.ipynb'))
    for p in paths:
        for line in split_notebook(p): print(line)
