"""Claims, readings and parts; proof-file discovery; target selection.

A proof file declares claims with :func:`claim` (or through a group made by
:func:`readings` / :func:`parts`). Collection imports each ``*.py`` of a proof
folder the way pytest collects test files: a file that raises becomes a
one-line collection error, and the other files are still collected.
"""
from __future__ import annotations

import contextvars
import difflib
import importlib.util
import inspect
import os
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sympy as sp

from .errors import ProofFileError, ShapeError, UsageError
from .concrete import UserFinder, UserLoader
from .cells import Cell
from .models import Model
from .results import Verdict, fold
from .sizes import Sweep, sweep

KINDS = ("identity", "inequality", "limit", "example")
RELATIONAL = ("inequality", "limit")


def _verdict(v) -> Verdict | None:
    if v is None or isinstance(v, Verdict):
        return v
    try:
        return Verdict(v)
    except ValueError:
        raise ProofFileError(f"expect={v!r} must be one of {[x.value for x in Verdict]}") from None


def _source(depth: int = 2) -> str:
    # sys._getframe, not inspect.stack(): stack() reads the source context of every frame (about 1 s of the
    # collection of the shipped proof files, once per declared claim)
    frame = sys._getframe(depth)
    while frame.f_back is not None and frame.f_code.co_filename == _GUARD_FILE:
        frame = frame.f_back  # the guard a user's call goes through (concrete._Guard.call) is not the source
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"


_GUARD_FILE = str(Path(__file__).with_name("concrete.py"))


def _origin() -> str:
    """The file whose module body is declaring the claim: the innermost ``<module>`` frame on the stack.

    A proof file that imports another proof file runs the other's module body,
    which declares the other's claims; collection keeps only the claims whose
    origin is the file being collected, so none is registered twice. A claim
    made by a helper function called from a proof file's body belongs to that
    proof file.
    """
    f = inspect.currentframe()
    while f is not None:
        if f.f_code.co_name == "<module>":
            return str(Path(f.f_code.co_filename).resolve())
        f = f.f_back
    return ""


@dataclass
class Claim:
    """One checkable statement of a paper, as transcribed in a proof file."""

    id: str
    where: str
    statement: str
    check: Callable
    kind: str = "identity"
    model: Cell | None = None
    activation: str = "abstract"
    loss: str = "abstract"
    conventions: dict = field(default_factory=dict)
    sizes: Sweep = field(default_factory=sweep)
    expect: Verdict | None = None
    source: str = ""
    group: str | None = None
    note: str = ""
    relation: str = "="  # "=": the sides are equal; "≠": they differ somewhere (shown by a certified point)
    given: dict = field(default_factory=dict)  # inequality/limit: name -> Strategy of the values searched over
    budget: int = 120                          # inequality/limit: candidates tried per size
    modulo: tuple = ()                         # identity: polynomial relations the sides may use (c² + s² − 1)
    why: str = ""                              # in words, why the claim fails (shown beside its counterexample)
    variables: dict | None = None              # identity without a model: name -> vector/matrix/scalar (variables.py)
    # inequality: where to prove in real arithmetic before searching. None (the default): at every size with
    # n ≤ 2 (and a claim without sizes), within a small budget (DEFAULT_PROVE_BUDGET); (1, 2): those n, with the
    # full budget; True: every size; False (or ()): never, search only
    prove: object = None
    _probed: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # shape probes, by size
    origin: str = field(default_factory=_origin, repr=False, compare=False)  # the declaring proof file (_origin)
    collected_from: str = field(default="", repr=False, compare=False)  # the proof file that was collected

    def __post_init__(self):
        from .concrete import guard_check
        from .values import exact_value

        self.check = guard_check(self.check)  # a check made outside a proof file is guarded like one

        for i, r in enumerate(self.modulo):
            try:
                exact_value(r, f"modulo[{i}]")
            except ProofFileError as e:
                raise ProofFileError(f"{self.id}: {e}") from None
        if self.relation not in ("=", "≠"):
            raise ProofFileError(f"{self.id}: relation={self.relation!r} must be '=' or '≠'")
        if self.kind not in KINDS:
            raise ProofFileError(f"{self.id}: kind={self.kind!r} must be one of {KINDS}")
        self.expect = _verdict(self.expect)
        if self.variables is not None:
            from .variables import declare

            declare(self)
        if self.kind in RELATIONAL and self.model is None and not self.given:
            raise ProofFileError(f"{self.id}: an {self.kind} claim needs given={{name: strategy}} to search over")
        sized = sorted(set(self.given or {}) & set(getattr(self.sizes, "dims", {})))
        if sized:  # the check receives the size under that name too: one name, two values
            raise ProofFileError(f"{self.id}: given= names {sized}, which the sweep names a size; the check "
                                 "receives the size under that name, so rename the value")
        self._check_conventions()  # issue 14.5: what the engine reads, checked at declaration

    def proves_at(self, size: dict) -> bool:
        """Whether this size gets a real-arithmetic proof attempt (between a brief search and the full one):
        the sizes ``prove=`` lists, or by default every size with n ≤ 2 (a size without n: yes)."""
        if self.prove is None:
            return size.get("n", DEFAULT_PROVE_N[0]) in DEFAULT_PROVE_N
        if self.prove is True:
            return True
        if self.prove is False:
            return False
        return bool(self.prove) and size.get("n") in tuple(self.prove)

    @property
    def proving(self) -> bool:
        """Whether the claim has a prove phase at all (``prove=False`` or ``prove=()`` turns it off)."""
        return self.prove is None or self.prove is True or bool(self.prove)

    @property
    def proves_by_default(self) -> bool:
        """No ``prove=`` written: the default sizes (n ≤ 2) and the small default budget."""
        return self.prove is None

    @property
    def relational(self) -> bool:
        """Decided by counterexample search over ``given`` (inequalities, limits), not by a normal form."""
        return self.kind in RELATIONAL and bool(self.given)

    def evaluator(self, size: dict):
        """values -> (the check's relations, its hypotheses), at one size."""
        from .relations import collect_assumptions

        model = self.build(size)
        params = inspect.signature(self.check).parameters
        extra = {k: v for k, v in size.items() if k in params}

        def evaluate(values: dict):
            args = (model,) if model is not None else ()
            return collect_assumptions(self.check, *args, **values, **extra)

        return evaluate

    def shown_conventions(self) -> dict:
        out = dict(self.conventions)
        if self.model is not None:
            out.setdefault("σ", self.activation)
        return out

    def _check_conventions(self) -> None:
        """What the engine reads is checked at declaration; everything else in ``conventions`` is prose.

        ``layout`` orders a Jacobian's columns and must be 'row-major' or
        'col-major' (a sentence there would otherwise surface only at n ≥ 2);
        the loss must be one the engine knows, or the cell's own.
        """
        from .models import LAYOUTS, LOSSES, resolve_loss

        if not isinstance(self.conventions, dict) or not all(isinstance(k, str) for k in self.conventions):
            raise ProofFileError(f"{self.id}: conventions= must be a dict from names to descriptions")
        layout = self.conventions.get("layout")
        if layout is not None and layout not in LAYOUTS:
            raise ProofFileError(f"{self.id}: conventions['layout']={layout!r} must be one of {LAYOUTS}: the "
                                 "engine reads it to order the Jacobian's columns (row-major: column a·q + b is "
                                 "∂/∂W[a, b]); put a description under another key")
        from .functions import ACTIVATIONS

        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ProofFileError(f"{self.id}: activation={self.activation!r} must be one of "
                                 f"{sorted(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise ProofFileError(f"{self.id}: loss={self.loss!r} must be one of {LOSSES[:3]}, or a loss the cell "
                                 "declares (cell(..., loss=...))")
        if self.model is not None:
            resolve_loss(self.model, self.loss)

    def build(self, size: dict, *, probe: bool = True) -> Model | None:
        """The model at ``size`` (None for a claim without one).

        With ``probe``, first a ShapeError if the claim's shapes match at this
        size only because a dimension is 1 here (:meth:`_check_shapes_elsewhere`).
        """
        if probe:
            self._check_shapes_elsewhere(size)
        if self.variables is not None:
            from .variables import FreeValues

            return FreeValues(self.variables, size, self.conventions)
        if self.model is None:
            return None
        return Model(self.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1),
                     activation=self.activation, loss=self.loss,
                     layout=self.conventions.get("layout", "row-major"), conventions=self.conventions)

    def sides(self, size: dict) -> tuple[sp.Matrix, sp.Matrix]:
        """The claim's two sides at a size, as exact SymPy matrices of the same shape.

        What the exact path cannot mean is the claim's ``error``, never a
        verdict: a side that is a string or holds a float, distinct symbols or
        functions that share a name (:func:`symderiv.identity.vet_sides`), and
        a shape mismatch, here or at the probe size where no free dimension is
        1 (a 1 × 1 matrix is not a scalar: see :meth:`_check_shapes_elsewhere`).
        """
        from .identity import vet_sides

        lhs, rhs = self._raw_sides(size)
        if lhs.shape != rhs.shape:
            raise ShapeError(f"the sides have different shapes: lhs is {lhs.rows}×{lhs.cols}, rhs is {rhs.rows}×{rhs.cols}")
        vet_sides(lhs, rhs)
        if self.variables is not None:
            self._vet_undeclared_domains(lhs, rhs, size)
        self._check_shapes_elsewhere(size)
        return lhs, rhs

    def _vet_undeclared_domains(self, lhs: sp.Matrix, rhs: sp.Matrix, size: dict) -> None:
        """A symbol of the sides that is no declared variable's and that SymPy knows a sign (or integrality) of
        (``sp.Symbol("z", positive=True)``) is refused: SymPy simplifies by it (√(z²) = z) while neither the
        search, the kernel nor the scope knows that domain. The sign of a free scalar is declared with
        ``scalar(positive=True)``."""
        from .variables import FreeValues

        declared = set(FreeValues(self.variables, size, self.conventions).symbols())
        for x in sorted(lhs.free_symbols | rhs.free_symbols, key=sp.default_sort_key):
            if x in declared or not isinstance(x, sp.Symbol):
                continue
            if any(getattr(x, f"is_{k}") for k in ("positive", "negative", "nonnegative", "nonpositive", "zero",
                                                    "integer")):
                raise ProofFileError(f"the symbol {x.name!r} carries a SymPy assumption of sign or integrality "
                                     f"({sp.srepr(x)}) but is no declared variable: SymPy simplifies by it (√(z²) = "
                                     "z) while the claim's domain does not say so. Declare it in variables= "
                                     "(scalar(positive=True) / scalar(negative=True)) or drop the assumption")

    def _raw_sides(self, size: dict) -> tuple[sp.Matrix, sp.Matrix]:
        from .identity import as_side

        model = self.build(size, probe=False)
        if model is None:
            _check_takes_sizes(self, size)
        from .concrete import watching

        with watching():  # a refusal the check caught (try/except, or logging's handler) is still a refusal
            out = self.check(model) if model is not None else self.check(**size)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ProofFileError(f"{self.id}: the check must return (lhs, rhs), not {type(out).__name__}")
        return as_side(out[0], "lhs"), as_side(out[1], "rhs")

    #: the probe's value for a free dimension that is 1 at the size checked
    PROBE = {"n": 2, "m": 3, "t": 2}

    def _probe_size(self, size: dict) -> dict | None:
        """Where to re-check shapes: each free dimension (not in ``sizes.fixed``) set to PROBE.

        A model claim always has an input size m (1 unless the sweep names it).
        None when no free dimension is 1 at ``size``: its own shapes then say enough.
        """
        dims = set(size) | ({"m"} if self.model is not None else set())
        free = [k for k in self.PROBE if k in dims and k not in self.sizes.fixed]
        if all(size.get(k, 1) > 1 for k in free):
            return None
        return {**size, **{k: self.PROBE[k] for k in free}}

    def _check_shapes_elsewhere(self, size: dict) -> None:
        """A shape mismatch is an error at every size, not only where no dimension happens to be 1.

        At n = 1 (or m = 1, t = 1) a 1 × 1 matrix multiplies anything and a
        scalar side matches any vector: the check then computes at that size,
        and fails or holds there, while at n = 2 it raises. So a size with a
        free dimension equal to 1 is checked once more, at the fixed probe size
        where every free dimension exceeds 1; a shape mismatch there is this
        size's ``error`` too. The probe depends only on the claim and the fixed
        dimensions, so the verdict does not depend on which size runs first.
        """
        probe = self._probe_size(size)
        if probe is None:
            return
        key = tuple(sorted(probe.items()))
        if key not in self._probed:
            self._probed[key] = self._shape_problem(probe)
        if self._probed[key]:
            at = ", ".join(f"{k} = {v}" for k, v in probe.items())
            raise ShapeError(f"shapes only match because a dimension is 1: at {at}, {self._probed[key]} "
                             "(a 1 × 1 matrix is not a scalar: write M[0, 0]; a claim about one size says so "
                             "with sweep(..., fixed=(...)))")

    def _shape_problem(self, probe: dict) -> str:
        """What goes wrong with shapes at the probe size ('' when nothing does, or something else does)."""
        from sympy.matrices.exceptions import ShapeError as SympyShapeError

        try:
            if self.relational:
                from .families import Just
                from .relations import collect_assumptions
                from .search import draw_candidates

                if any(isinstance(g, Just) for g in self.given.values()):
                    return ""  # a named witness has its own size
                values = next(draw_candidates(self.given, probe, 0, 1))
                params = inspect.signature(self.check).parameters
                model = self.build(probe, probe=False)
                collect_assumptions(self.check, *((model,) if model is not None else ()), **values,
                                    **{k: v for k, v in probe.items() if k in params})
                return ""
            lhs, rhs = self._raw_sides(probe)
        except (SympyShapeError, ShapeError) as e:
            return f"{type(e).__name__}: {e}"
        except ImportError:  # symderiv's own bug, never "no shape problem"
            raise
        except Exception:  # not a shape problem: the size checked speaks for itself
            return ""
        if lhs.shape != rhs.shape:
            return f"lhs is {lhs.rows}×{lhs.cols} and rhs is {rhs.rows}×{rhs.cols}"
        return ""


def _check_takes_sizes(claim: "Claim", size: dict) -> None:
    """A claim without ``model=`` calls its check with the sizes as keywords: say so when it cannot take them."""
    try:
        params = inspect.signature(claim.check).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return
    required = [k for k, p in params.items() if p.default is p.empty and p.kind != p.VAR_POSITIONAL]
    unknown = [k for k in required if k not in size]
    extra = [k for k in size if k not in params]
    if unknown or extra:
        takes = ", ".join(params) or "nothing"
        raise ProofFileError(
            f"{claim.id}: declared without model=, so its check is called with the sizes as keywords "
            f"({', '.join(f'{k}={v}' for k, v in size.items())}), but it takes ({takes}); "
            "a check of a model's quantities needs model=<cell> (e.g. model=elman_rnn)")


@dataclass
class Group:
    """A claim split into readings (one is the text's evident intent) or parts (all must hold)."""

    id: str
    kind: str  # "readings" | "parts"
    where: str
    statement: str
    defaults: dict
    intent: str | None = None
    why: str = ""
    expect: Verdict | None = None
    source: str = ""
    members: list = field(default_factory=list)
    origin: str = field(default_factory=_origin, repr=False, compare=False)

    def _member(self, name: str, kw: dict):
        def wrap(fn):
            opts = {**self.defaults, **kw}
            opts["conventions"] = {**self.defaults.get("conventions", {}), **kw.get("conventions", {})}
            opts.setdefault("statement", self.statement)
            opts.setdefault("where", self.where)
            opts.setdefault("sizes", FREE_SIZES if opts.get("variables") is not None
                            else default_sizes(opts.get("kind", "identity")))
            c = Claim(id=f"{self.id}.{name}", check=fn, group=self.id, source=_source(2), **opts)
            self.members.append(c.id)
            _register(c)
            return fn

        return wrap

    def reading(self, name: str, **kw):
        """Declare one reading of an ambiguous claim."""
        if self.kind != "readings":
            raise ProofFileError(f"{self.id} is split into parts, not readings")
        return self._member(name, kw)

    def part(self, name: str, **kw):
        """Declare one part of a claim that makes several statements."""
        if self.kind != "parts":
            raise ProofFileError(f"{self.id} is split into readings, not parts")
        return self._member(name, kw)


# ----- declaration API ---------------------------------------------------------

#: the sizes a relational claim without ``prove=`` is proved at (then searched at every size of its sweep)
DEFAULT_PROVE_N = (1, 2)

_collecting: contextvars.ContextVar[list | None] = contextvars.ContextVar("symderiv_collecting", default=None)


def _register(item):
    bucket = _collecting.get()
    if bucket is not None:
        bucket.append(item)


def claim(id: str, *, where: str, statement: str, kind: str = "identity", model: Cell | None = None,
          activation: str = "abstract", loss: str = "abstract", conventions: dict | None = None,
          sizes: Sweep | None = None, expect=None, note: str = "", relation: str = "=",
          given: dict | None = None, budget: int = 120, modulo=(), variables: dict | None = None,
          prove=None, why: str = ""):
    """Decorator: declare a claim.

    An identity's check returns its two sides; an inequality's or limit's check
    takes the values named in ``given`` (searched over) and returns a Relation,
    ``steps(...)`` or a Limit. An identity of free vectors and matrices declares
    ``variables=dict(x=vector("n"), A=matrix("n", "n"))`` instead of a model
    (see :mod:`symderiv.variables`).
    ``why``: a sentence saying why the claim fails, shown beside its counterexample
    (a reading or part takes ``why=`` too).
    """

    def wrap(fn):
        c = Claim(id=id, where=where, statement=statement, check=fn, kind=kind, model=model,
                  activation=activation, loss=loss, conventions=dict(conventions or {}),
                  sizes=sizes or (FREE_SIZES if variables is not None else default_sizes(kind)), expect=expect,
                  source=_source(2), note=note, relation=relation, given=dict(given or {}), budget=budget,
                  modulo=tuple(modulo), variables=variables, prove=prove, why=why)
        _register(c)
        return fn

    return wrap


#: free variables have no horizon: n = 1–3
FREE_SIZES = Sweep({"n": (1, 2, 3)})


def default_sizes(kind: str) -> Sweep:
    """Identities: n = 1–3, t = 1–4. Inequalities and limits: n = 1–3 at t = 3 (search is per size)."""
    return sweep(t=(3,)) if kind in RELATIONAL else sweep()


def _group(kind, id, where, statement, intent, why, expect, defaults):
    g = Group(id=id, kind=kind, where=where, statement=statement, defaults=defaults, intent=intent,
              why=why, expect=_verdict(expect), source=_source(3))
    _register(g)
    return g


def readings(id: str, *, where: str, statement: str, intent: str, why: str, expect=None, **defaults) -> Group:
    """A claim the text leaves ambiguous: each reading is its own claim; ``intent`` is reported as the base id."""
    return _group("readings", id, where, statement, intent, why, expect, defaults)


def parts(id: str, *, where: str, statement: str, expect=None, **defaults) -> Group:
    """A claim that makes several statements: the base fails as soon as one part fails."""
    return _group("parts", id, where, statement, None, "", expect, defaults)


# ----- collection --------------------------------------------------------------

@dataclass
class Collection:
    items: dict = field(default_factory=dict)    # id -> Claim | Group
    errors: list = field(default_factory=list)   # (path, one-line cause)

    def claims(self) -> list[Claim]:
        return [c for c in self.items.values() if isinstance(c, Claim)]


def shipped_proofs() -> Path:
    """The proof files that ship with symderiv (installed, or in a source checkout)."""
    here = Path(__file__).resolve().parent
    for p in (here / "proofs", here.parent / "proofs"):
        if p.is_dir():
            return p
    raise UsageError("symderiv's shipped proof files are missing from this installation")


def default_target() -> Path:
    local = Path.cwd() / "proofs"
    return local if local.is_dir() else shipped_proofs()


def _one_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


class ProofFileExit(BaseException):
    """A proof file called ``os._exit`` while it was being imported (raised in place of ending the process)."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


@contextmanager
def _importing():
    """While one proof file is imported: ``os._exit`` raises, and a real Ctrl-C is told from a raised one.

    Why intercept ``os._exit`` rather than import each file in a throwaway
    process first: the claims' checks are closures over the module and must be
    imported in this process anyway (the runner's workers inherit them by
    fork), so a probe would run every file's top level twice, side effects
    included, without making the real import any safer. Collection guards
    against accidents, not malice (a proof file runs in-process and could
    patch symderiv itself); of the accidental ways to end a process at import,
    ``os._exit`` is the only one that is not an exception, so for the length of
    the import it becomes one. Only this thread of this process, and only
    during the import, is intercepted: a reference kept for later (``from os
    import _exit``) ends the process as usual when called afterwards.
    """
    real_exit, me, pid = os._exit, threading.get_ident(), os.getpid()
    state = {"open": True, "sigint": False}

    def exit_stub(status):
        if state["open"] and threading.get_ident() == me and os.getpid() == pid:
            raise ProofFileExit(status)
        real_exit(status)

    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if callable(previous):
        def on_sigint(signum, frame):
            state["sigint"] = True
            previous(signum, frame)

        signal.signal(signal.SIGINT, on_sigint)
    os._exit = exit_stub
    try:
        yield state
    finally:
        state["open"] = False
        os._exit = real_exit
        if callable(previous):
            signal.signal(signal.SIGINT, previous)


class ImportTimeout(BaseException):
    """A proof file's import ran past the run's budget (a BaseException: a file's ``except Exception`` cannot
    swallow it)."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


@contextmanager
def _import_budget(seconds):
    """While one proof file is imported: SIGALRM after ``seconds`` raises :class:`ImportTimeout` (the main
    thread only, where signals are delivered; elsewhere, or with no budget, nothing is armed)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise ImportTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _import_failure(e: BaseException) -> str:
    """One line: why a proof file's import did not complete."""
    if isinstance(e, ImportTimeout):
        return f"its import did not finish within {e.seconds:g} s (--timeout): a loop or a long computation at top level?"
    if isinstance(e, ProofFileExit):
        return f"os._exit({e.status!r}) at import: a proof file must not end the process"
    if isinstance(e, SystemExit):
        return f"SystemExit({e.code!r}) at import (sys.exit or exit() at top level?): a proof file must not exit"
    if isinstance(e, KeyboardInterrupt):
        return "KeyboardInterrupt raised at import"
    return _one_line(e)


@contextmanager
def _helpers_are_user_code(folder: str):
    """While a proof file is imported, a helper module beside it is compiled as user code (concrete.py)."""
    finder = UserFinder(folder)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def collect_file(path: Path, into: Collection, import_timeout: float | None = None) -> None:
    """Import one proof file and add its claims; any way its import fails is a one-line error naming the file.

    That includes ``SystemExit``, a ``KeyboardInterrupt`` the file raises and
    ``os._exit`` (see :func:`_importing`); only a real Ctrl-C (or a signal the
    caller turns into an exception) stops the collection.
    """
    bucket: list = []
    token = _collecting.set(bucket)
    name = f"symderiv_proofs.{path.stem}" if path.parent.name == "proofs" else \
        f"symderiv_proofs.{path.parent.name}.{path.stem}"
    importing = {"sigint": False}
    folder = str(path.parent.resolve())
    added = folder not in sys.path
    if added:  # a proof file may import a helper module beside it (``from _helpers import ...``)
        sys.path.insert(0, folder)
    try:
        with _importing() as importing, _helpers_are_user_code(folder), _import_budget(import_timeout):
            spec = importlib.util.spec_from_file_location(name, path, loader=UserLoader(name, str(path)))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    except (Exception, SystemExit, KeyboardInterrupt, ProofFileExit, ImportTimeout) as e:  # the file's, not the run's
        if isinstance(e, KeyboardInterrupt) and importing["sigint"]:
            raise  # the user pressed Ctrl-C
        sys.modules.pop(name, None)
        tb = e.__traceback__
        line = ""
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename).resolve() == path.resolve():
                line = f":{tb.tb_lineno}"
            tb = tb.tb_next
        if isinstance(e, SyntaxError) and e.lineno and e.filename and Path(e.filename).resolve() == path.resolve():
            line = f":{e.lineno}"  # a syntax error has no frame in the file: the parser says where
        into.errors.append((f"{relative(path)}{line}", _import_failure(e)))
        return
    finally:
        _collecting.reset(token)
        if added and folder in sys.path:
            sys.path.remove(folder)
    mine = str(path.resolve())
    # claims of another proof file this one imports belong to that file (collected from it, not twice); a
    # helper module (its name starts with _, never collected itself) declares claims for the file importing it
    bucket = [item for item in bucket if item.origin in (mine, "") or Path(item.origin).name.startswith("_")]
    shown = _shown_path(path)
    for item in bucket:
        line = item.source.split(':')[-1]
        if item.id in into.items:  # both places named, as a reader needs to pick one
            into.errors.append((f"{relative(path)}:{line}", f"duplicate claim id {item.id!r}: first declared at "
                                                            f"{into.items[item.id].source}"))
            continue
        item.source = f"{shown}:{line}"
        if isinstance(item, Claim):
            item.collected_from = mine  # a spawned worker imports this file again (not a helper the check is in)
        into.items[item.id] = item
    for g in (i for i in bucket if isinstance(i, Group)):
        if g.kind == "readings" and f"{g.id}.{g.intent}" not in g.members:
            into.errors.append((relative(path), f"{g.id}: intent {g.intent!r} is not one of its readings {g.members}"))


def relative(path) -> str:
    """A path as CI tools read it: relative to the working directory (the checkout) when below it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix() if p.is_absolute() else p.as_posix()
    except ValueError:
        return p.as_posix()


def _shown_path(path: Path) -> str:
    """How a claim's source names its file: the name alone in the default proof folder (``check ID`` finds it
    there); elsewhere the path a command line needs to find it again (relative to the cwd when below it)."""
    try:
        if path.resolve().parent == default_target().resolve():
            return path.name
    except UsageError:
        pass
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def collect(paths, import_timeout: float | None = None) -> Collection:
    out = Collection()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # subfolders too (proofs/examples/), as pytest collects; a name starting with _ or . is skipped
            files = sorted(f for f in p.rglob("*.py")
                           if not any(part.startswith(("_", ".")) for part in f.relative_to(p).parts))
        elif p.is_file():
            if p.suffix != ".py":
                raise UsageError(f"{p} is not a proof file: a proof file is Python (.py)")
            files = [p]
        else:
            raise UsageError(f"{p} is not a proof file or folder")
        for f in files:
            collect_file(f, out, import_timeout)
    return out


def _is_path(target: str) -> bool:
    return target.endswith(".py") or "/" in target or Path(target).is_dir()


class NothingSelected(UsageError):
    """A claim id among the targets names no claim: nothing would be checked."""


def select(targets: list[str], import_timeout: float | None = None) -> tuple[Collection, list[str]]:
    """Resolve CLI targets to a collection and the ids to check, in order.

    A target is a path (file or folder), a claim id, or a unique suffix of one;
    an id brings its readings, parts and ``.corrected`` along. An id that names
    no claim raises :class:`NothingSelected`; a path that does not exist, a
    plain :class:`UsageError`. No id and no claim in the paths: an empty list.
    """
    if any(not t.strip() for t in targets):
        raise UsageError("an empty target names no claim, file or folder")
    paths = [t for t in targets if _is_path(t)]
    ids = [t for t in targets if not _is_path(t)]
    col = collect(paths or [default_target()], import_timeout)
    if not ids:
        return col, list(col.items)
    chosen: list[str] = []
    for t in ids:
        try:
            base = resolve_id(col, t)
        except UsageError as e:
            if any(i == t or i.endswith("." + t) for i in col.items):
                raise  # it names several claims: ambiguous, a usage error
            if col.errors:  # the id may live in a proof file that failed to import: say so
                path, cause = col.errors[0]
                more = f" (and {len(col.errors) - 1} more)" if len(col.errors) > 1 else ""
                raise NothingSelected(f"{e}; note: proof file {path} failed to import{more}: {cause}") from None
            raise NothingSelected(str(e)) from None
        chosen += [i for i in col.items if (i == base or i.startswith(base + ".")) and i not in chosen]
    return col, chosen


def expected_of(col: Collection, cid: str) -> Verdict:
    """The verdict the proof file expects of ``cid``: what ``list`` shows and ``check`` compares against.

    A claim: its ``expect`` (none: ``holds``). A group without one: its intended
    reading's, or for parts ``fails`` as soon as a part is expected to fail
    (the same rule as :func:`symderiv.engine.aggregate`).
    """
    item = col.items[cid]
    if item.expect is not None:
        return item.expect
    if isinstance(item, Group) and item.kind == "readings" and f"{item.id}.{item.intent}" in col.items:
        return expected_of(col, f"{item.id}.{item.intent}")
    if isinstance(item, Group):
        return fold(expected_of(col, m) for m in item.members if m in col.items)
    return Verdict.HOLDS


def resolve_id(col: Collection, target: str) -> str:
    if target in col.items:
        return target
    hits = sorted(i for i in col.items if i.endswith("." + target))
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        # prefer the shortest: "theorem1" names the base id, not a reading of it
        bases = [h for h in hits if not any(h != o and h.startswith(o + ".") for o in hits)]
        if len(bases) == 1:
            return bases[0]
        raise UsageError(f"{target!r} is ambiguous: it names {', '.join(hits)}")
    near = difflib.get_close_matches(target, list(col.items), n=3, cutoff=0.5)
    near += [i for i in col.items if target in i and i not in near][: 3 - len(near)]
    hint = f"; nearest: {', '.join(near)}" if near else ""
    raise UsageError(f"no claim {target!r}{hint}")
