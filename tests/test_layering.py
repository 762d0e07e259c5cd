"""The package's layers, read from its source with ``ast``: the domain never reaches into the widgets, and no
module reaches into another's private members.

* Outside ``labelwidgets/widgets`` no module imports a widget module (nor names one for ``importlib``), except
  ``labelwidgets.widgets.display``: the seam both sides may import, which finds a domain object's view by name
  (``display.VIEWS``) and imports nothing else of ``labelwidgets.widgets`` until a view is asked for.
* ``display`` itself stays that light: at import it loads no other widget module, nor anywidget, ipywidgets,
  traitlets or plotly.
* A widget module touches nothing private of anything but itself (``self``/``cls``): the views are thin, over the
  public methods and ``snapshot()`` of the domain objects. Elsewhere ``x._name`` is allowed only where ``_name`` is
  a member of a class of the same module (a class working on another instance of itself, or a module's helper
  function on its own class); the few private names of other libraries that are their documented API are listed.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "labelwidgets"
WIDGETS = "labelwidgets.widgets"
SEAM = "labelwidgets.widgets.display"

#: Modules outside labelwidgets/widgets that may name widget modules, and why.
WIDGET_IMPORT_EXCEPTIONS = {
    # the lazy public exports: lw.Dashboard, lw.plot_agreement and lw.plot_drift are views by nature; they are
    # named in _EXPORTS and imported on first use (and under TYPE_CHECKING, for type checkers only)
    "labelwidgets": "lazy public exports of the views lw.Dashboard, lw.plot_agreement, lw.plot_drift",
    # `Labeler.widget` builds its LabelerWidget directly; display.VIEWS maps the LabelingSession to it, so
    # `view_for(self.session)` can replace that import (labeler.py belongs to the session's owner)
    "labelwidgets.labeler": "Labeler.widget makes the LabelerWidget of its session",
    # imports (never uses) the labeler's widget module in a background thread of a kernel, so that the first
    # Labeler shows without waiting for it
    "labelwidgets.warm_up": "pre-imports the labeler's widget module while the person is typing",
}

#: Private names of other libraries that are their documented API, by the module using them.
FOREIGN_PRIVATE_API = {
    ("labelwidgets.errors", "sys._getframe"),  # CPython's way to a caller's frame (documented in sys)
    ("labelwidgets.suggesters.local_worker", "os._exit"),  # documented: leave a child process at once
    ("labelwidgets.store.sql", "row._mapping"),  # SQLAlchemy's Row API; the underscore avoids column names
    ("labelwidgets.store.enforced", "row._mapping"),
}

# IPython's display protocol (_repr_mimebundle_, _repr_html_, _ipython_display_, …) is public by design
DISPLAY_PROTOCOL = re.compile(r"^_(repr_\w+|ipython_\w+)_$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for name, path in MODULES.items()}


def is_widget_module(name: str) -> bool:
    return name == WIDGETS or name.startswith(WIDGETS + ".")


def imported_modules(name: str, statements: list[ast.stmt] | ast.Module) -> list[tuple[int, str]]:
    """The modules the import statements in ``statements`` load (at any depth), as (line, module): ``from a
    import b`` loads ``a.b`` when that is a module of the package, else ``a``; relative imports are resolved."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    nodes = ast.walk(statements) if isinstance(statements, ast.Module) else statements
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((node.lineno, submodule if submodule in MODULES else base))
    return found


def widget_references(name: str, tree: ast.Module) -> list[str]:
    """Where ``name`` imports a widget module other than the seam, or names one in a string (for importlib)."""
    hits = [
        f"{name}:{line} imports {target}"
        for line, target in imported_modules(name, tree)
        if is_widget_module(target) and target != SEAM
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_widget_module(node.value):
            if node.value != SEAM:
                hits.append(f"{name}:{node.lineno} names {node.value!r}")
    return hits


def test_the_domain_never_imports_a_widget_module():
    offending = {
        name: hits
        for name, tree in TREES.items()
        if not is_widget_module(name) and (hits := widget_references(name, tree))
    }
    unexpected = {name: hits for name, hits in offending.items() if name not in WIDGET_IMPORT_EXCEPTIONS}
    assert not unexpected, (
        "modules outside labelwidgets/widgets import widget modules; find the view with "
        f"labelwidgets.widgets.display.view_for(obj) instead: {unexpected}"
    )
    stale = sorted(set(WIDGET_IMPORT_EXCEPTIONS) - set(offending))
    assert not stale, f"{stale} no longer name a widget module: take them out of WIDGET_IMPORT_EXCEPTIONS"


def test_the_seam_stays_light_at_import():
    heavy = ("anywidget", "ipywidgets", "traitlets", "plotly", "labelwidgets")
    loaded = [target for _, target in imported_modules(SEAM, TREES[SEAM].body)]  # the top level only
    assert not [t for t in loaded if t.split(".")[0] in heavy], loaded


def test_every_view_in_the_registry_exists_and_shows_its_class():
    from labelwidgets.widgets import display

    for domain, view in display.VIEWS.items():
        module, _, cls = domain.rpartition(".")
        domain_class = getattr(importlib.import_module(module), cls)
        view_module, _, view_cls = view.rpartition(".")
        assert is_widget_module(view_module) and not is_widget_module(module), (domain, view)
        instance = domain_class.__new__(domain_class)  # the class, not a working object: nothing is opened
        assert display.view_class(instance) is getattr(importlib.import_module(view_module), view_cls)
    with pytest.raises(TypeError, match="no notebook view"):
        display.view_for(object())


def private_members(tree: ast.Module) -> set[str]:
    """The private names the classes of a module define: methods, class attributes and ``self._x`` fields."""
    names: set[str] = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("_"):
                names.add(node.name)
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.startswith("_"):
                    names.add(target.id)
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls") and target.attr.startswith("_")):  # fmt: skip
                    names.add(target.attr)
    return names


def private_accesses(tree: ast.Module) -> list[ast.Attribute]:
    """``x._name`` where x is not ``self``/``cls`` (dunders and IPython's display protocol aside)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if (node.attr.startswith("__") and node.attr.endswith("__")) or DISPLAY_PROTOCOL.match(node.attr):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append(node)
    return found


def test_widgets_touch_nothing_private_but_their_own():
    offending = [
        f"{name}:{node.lineno} {ast.unparse(node)}"
        for name, tree in TREES.items()
        if is_widget_module(name)
        for node in private_accesses(tree)
    ]
    assert not offending, f"views use private members of other objects; give the object a public method: {offending}"


def test_no_module_uses_the_private_members_of_another_modules_classes():
    offending = []
    for name, tree in TREES.items():
        own = private_members(tree)
        for node in private_accesses(tree):
            if node.attr in own or (name, ast.unparse(node)) in FOREIGN_PRIVATE_API:
                continue
            offending.append(f"{name}:{node.lineno} {ast.unparse(node)}")
    assert not offending, f"private members used outside their module; make them public API: {offending}"
