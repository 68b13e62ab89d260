"""Every public function of the user-facing modules carries a numpydoc docstring.

The rule the test enforces, module by module (``MODULES``):

* every function named in the module's ``__all__`` has the sections ``Parameters`` (when
  it takes any argument), ``Returns`` (``Yields`` for a generator or context manager) and
  ``Examples``;
* every class named in ``__all__`` is held to the same rule for its public methods that
  compute something: methods defined in the class body whose name does not start with an
  underscore, except properties (stored or derived fields, documented in the class
  docstring) and the display and serialisation views shared by every result
  (``to_frame``, ``to_dict``, ``to_text``, ``to_markdown``, ``summary``, ``summary_lines``
  and names ending in ``_text`` or ``_frame``), which need only a one-line docstring;
* ``Parameters`` is required when the function or method takes an argument besides
  ``self`` or ``cls``.

Names re-exported from another module are checked once, under the module that defines
them. Constants and type aliases in ``__all__`` are not callables and are skipped. A
``References`` section is expected wherever a method or convention is cited; whether a
docstring cites one is a judgement the test cannot make, so it is not checked here.
The examples themselves run as doctests (``pytest --doctest-modules src/survrepro``).
"""
from __future__ import annotations

import importlib
import inspect

MODULES = (
    "survrepro.engine.km",
    "survrepro.engine.cox",
    "survrepro.engine.logrank",
    "survrepro.engine.rmst",
    "survrepro.engine.proportion",
    "survrepro.engine.contingency",
    "survrepro.engine.analysis",
    "survrepro.engine.groups",
    "survrepro.engine.extrapolate",
    "survrepro.sources.reconstruct",
    "survrepro.sources.digitize",
    "survrepro.sources.digitize.vector",
    "survrepro.sources.digitize.axes",
    "survrepro.sources.digitize.raster",
    "survrepro.sources.synthesize",
    "survrepro.timeunits",
    "survrepro.register.schema",
    "survrepro.register.audit",
    "survrepro.register.evaluate",
    "survrepro.register.quantities",
    "survrepro.register.synthesis",
    "survrepro.design.events",
    "survrepro.design.binomial",
    "survrepro.design.files",
    "survrepro.design.plots",
    "survrepro.design.simulate",
    "survrepro.report.plotting",
    "survrepro.report.build",
    "survrepro.io",
    "survrepro.errors",
    "survrepro.rounding",
)

VIEWS = {"to_frame", "to_dict", "to_text", "to_markdown", "summary", "summary_lines"}


def _is_view(name: str) -> bool:
    return name in VIEWS or name.endswith(("_text", "_frame"))


def _has_section(doc: str, title: str) -> bool:
    lines = doc.splitlines()
    return any(
        line.strip() == title and set(nxt.strip()) == {"-"} and len(nxt.strip()) >= len(title)
        for line, nxt in zip(lines, lines[1:])
    )


def _takes_arguments(func, *, method: bool) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    if method and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return bool(params)


def _missing(func, *, method: bool) -> list[str]:
    doc = inspect.getdoc(func) or ""
    missing = []
    if _takes_arguments(func, method=method) and not _has_section(doc, "Parameters"):
        missing.append("Parameters")
    if not (_has_section(doc, "Returns") or _has_section(doc, "Yields")):
        missing.append("Returns")
    if not _has_section(doc, "Examples"):
        missing.append("Examples")
    return missing


def _methods(cls):
    for name, attr in vars(cls).items():
        if name.startswith("_") or _is_view(name) or isinstance(attr, property):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            yield name, attr.__func__, isinstance(attr, classmethod)
        elif inspect.isfunction(attr):
            yield name, attr, True


def _callables():
    """``(module, qualified name, function, is_method)`` for everything the rule covers, once each."""
    seen = set()
    for modname in MODULES:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if id(obj) in seen or not callable(obj):
                continue
            seen.add(id(obj))
            home = getattr(obj, "__module__", modname)
            if inspect.isclass(obj):
                for mname, func, is_method in _methods(obj):
                    yield home, f"{obj.__name__}.{mname}", func, is_method
            elif inspect.isfunction(obj) or hasattr(obj, "__wrapped__"):
                yield home, getattr(obj, "__name__", name), obj, False


def test_public_functions_have_numpydoc_sections():
    gaps = []
    count = 0
    for module, name, func, is_method in _callables():
        count += 1
        missing = _missing(func, method=is_method)
        if missing:
            gaps.append(f"{module}.{name}: {', '.join(missing)}")
    assert count > 100, f"only {count} public functions found: is MODULES out of date?"
    assert not gaps, f"{len(gaps)} of {count} public functions lack numpydoc sections:\n" + "\n".join(
        sorted(gaps)
    )


def test_section_detection():
    """The section finder reads numpydoc underlines and ignores the word in running text."""

    def documented(x):
        """Twice x.

        Parameters
        ----------
        x : float

        Returns
        -------
        float

        Examples
        --------
        >>> documented(2)
        4
        """
        return 2 * x

    def bare(x):
        """Returns twice x; see the Examples below (there are none)."""
        return 2 * x

    assert _missing(documented, method=False) == []
    assert _missing(bare, method=False) == ["Parameters", "Returns", "Examples"]
    assert _missing(lambda: None, method=False) == ["Returns", "Examples"]
