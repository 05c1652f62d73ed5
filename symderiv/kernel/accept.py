"""The kernel's verdict tokens: only the kernel makes a :class:`Proved` or a :class:`Refuted` (LCF style).

In HOL Light only the kernel (fusion.ml) can make a ``thm``; here only this
package can make the objects a ``holds`` or ``fails`` verdict needs. A
:class:`Proved` says that the claim's relation (its identity, or one step of a
chain) holds at one size; a :class:`Refuted` that it fails there. The engine
turns a size's outcome into ``holds`` or ``fails`` only with such a token, and
:func:`admit` (called where the engine makes a Result) refuses a verdict whose
every ``holds``/``fails`` is not backed by a genuine token for that claim and
size: a bug that marks ``holds`` elsewhere becomes an ``error``, never a
verdict.

Unforgeable as far as Python allows: calling ``Proved(...)`` or
``Refuted(...)`` raises; a token's fields cannot be set; a token cannot be
pickled or copied into another object (so none arrives from a pipe or a cache);
and :func:`genuine` accepts only the objects :func:`_issue` made in this
process (a registry of their identities: an object made by ``object.__new__``
is not in it). ``_issue`` is private to the kernel: tests/test_kernel_accepts.py
fails if any module outside ``symderiv/kernel`` names it.

A token records what it rests on: ``trusts`` names whatever the kernel did not
re-check itself (e.g. two SMT solvers' ``unsat``), and ``error`` bounds the
probability that a randomized check accepted a false statement; both are said
in the verdict's scope.
"""
from __future__ import annotations

import weakref

from .dual import KernelError

#: the kinds of statement a token is about
IDENTITY = "identity"   # lhs = rhs (entrywise) at the size
STEP = "step"           # one relation (a step of a chain) at the size
EVERY_N = "every n"     # an identity of free variables lifted to every size from one at its threshold (lift.py)
EVERY_T = "every t"     # an induction's step for every t at one size (every dimension but t), re-checked (step.py)


class Token:
    """What only the kernel makes (see the module docstring). Fields: ``claim`` (id), ``size`` (sorted tuple of
    (key, value)), ``kind`` (IDENTITY or STEP), ``label`` (the step), ``how``, ``trusts`` (what was not re-checked),
    ``error`` (a bound on a randomized acceptance's error, or None), ``steps`` (every step label of the claim at
    the size, as the kernel read it; empty when it did not), ``degree`` (E in a randomized acceptance's error bound
    E·2^−bits per trial, computed by the kernel; None when it could not bound it), ``zero_test`` (how a randomized
    acceptance decided lhs − rhs = 0 at its point: "rational", "algebraic" (in ℚ(ᴸ√p, …)), "exp" (in ℚ̄[e^ℚ]),
    "radical" (lhs − rhs's coordinates in ℚ(x)[s]/(s² − C) for every sign pattern: radicals.py); None otherwise)."""

    __slots__ = ("claim", "size", "kind", "label", "how", "trusts", "error", "steps", "degree", "zero_test",
                 "__weakref__")

    def __init__(self, *args, **kwargs):
        raise KernelError(f"only the kernel makes a {type(self).__name__}")

    def __setattr__(self, name, value):
        raise AttributeError(f"a {type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"a {type(self).__name__} is immutable")

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {type(self).__name__} does not leave the process whose kernel made it")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    @property
    def holds(self) -> bool:
        """Does the token say that its relation holds (Proved) or fails (Refuted)?"""
        return isinstance(self, Proved)

    def __repr__(self):
        where = ", ".join(f"{k} = {v}" for k, v in self.size)
        step = f" {self.label}" if self.label else ""
        return f"{type(self).__name__}({self.claim}{step} at {where or 'every value'})"


class Proved(Token):
    """The claim's relation holds at the size (made only by the kernel)."""

    __slots__ = ()


class Refuted(Token):
    """The claim's relation fails at the size (made only by the kernel)."""

    __slots__ = ()


_ISSUED: "weakref.WeakSet[Token]" = weakref.WeakSet()


def size_key(size) -> tuple:
    return tuple(sorted(dict(size or {}).items()))


#: what a Proved resting on the kernel's random points trusts when the kernel bounded no degree for them
UNBOUNDED = ("the kernel's agreement at random points without an error bound (the degree of lhs − rhs not bounded "
             "by the kernel)")


def _issue(cls, claim_id: str, size, kind: str, how: str, *, label: str = "", trusts=(), error=None,
           steps=(), degree=None, zero_test=None) -> Token:
    """The only maker of tokens: kernel functions call it once their own check has passed."""
    if cls not in (Proved, Refuted) or kind not in (IDENTITY, STEP, EVERY_N, EVERY_T):
        raise KernelError(f"no token {cls!r} of kind {kind!r}")
    if cls is Proved and error is not None and degree is None and UNBOUNDED not in trusts:
        # agreement at random points whose degree the kernel did not bound is evidence, not a bound: a `holds`
        # resting on it says so in its trusted list (here, so that no path of the kernel can leave it out)
        trusts = (*trusts, UNBOUNDED)
    tok = object.__new__(cls)
    for name, value in (("claim", claim_id), ("size", size_key(size)), ("kind", kind), ("label", label),
                        ("how", how), ("trusts", tuple(trusts)), ("error", error), ("steps", tuple(steps)),
                        ("degree", degree), ("zero_test", zero_test)):
        object.__setattr__(tok, name, value)
    _ISSUED.add(tok)
    return tok


def genuine(tok) -> bool:
    """Did this process's kernel make ``tok``?"""
    return isinstance(tok, Token) and type(tok) in (Proved, Refuted) and tok in _ISSUED


def trusted(tokens) -> list[str]:
    """What the tokens rest on beyond the kernel's own checks (said in the scope), once each."""
    return list(dict.fromkeys(t for tok in tokens if genuine(tok) for t in tok.trusts))


# ----- the engine's gate --------------------------------------------------------------------------------------


def _status(x) -> str:
    return getattr(x, "value", x)


def _every_size(claim, tok) -> bool:
    """Is ``tok`` the kernel's lift of ``claim`` to every size (kernel/lift.verify_lift: an identity of free
    variables, its degree and index classes recounted and lhs − rhs expanded to 0 at the threshold)? Such a Proved
    says the identity holds at every size, so it backs a `holds` at any size of the claim. A lift at a fixed horizon
    of a model, or of a step (a label), says less and backs no other size."""
    return (isinstance(tok, Proved) and tok.kind == EVERY_N and not tok.label and tok.claim == claim.id
            and getattr(claim, "model", None) is None and getattr(claim, "variables", None) is not None
            and getattr(claim, "relation", "=") == "=" and not getattr(claim, "modulo", None))


def _backs(claim, size, status: str, tokens) -> str | None:
    """Why ``tokens`` do not back ``status`` ("holds"/"fails") of ``claim`` at ``size`` (None when they do)."""
    mine = []
    for tok in tokens:
        if not genuine(tok):
            return f"{tok!r} was not made by the kernel"
        # a refutation at any size the claim speaks of refutes it (F_p certifies at a smaller size than it tried);
        # for a claim that the sides differ ('≠') that refutation is what it holds by, at any size it speaks of
        negated = getattr(claim, "relation", "=") == "≠"
        if tok.claim != claim.id or (tok.size != size_key(size) and not _every_size(claim, tok)
                                     and (tok.holds or (status == "holds" and not negated))):
            return f"{tok!r} is not about {claim.id} at this size"
        mine.append(tok)
    if not getattr(claim, "relational", False):
        negated = getattr(claim, "relation", "=") == "≠"
        want = (status == "holds") != negated  # '≠' holds when the equality is refuted
        if any(t.kind == IDENTITY and t.holds == want for t in mine):
            return None
        if want and any(_every_size(claim, t) for t in mine):
            return None
        return f"no kernel {'Proved' if want else 'Refuted'} for the identity"
    if status == "fails":
        return None if any(t.kind == STEP and not t.holds for t in mine) else "no kernel Refuted for any step"
    proved = [t for t in mine if t.kind == STEP and t.holds]
    if not proved:
        return "no kernel Proved for its steps"
    every = set().union(*(set(t.steps) for t in proved))
    missing = sorted(every - {t.label for t in proved})
    if not every or missing:
        return f"no kernel Proved for step {missing[0]!r}" if missing else "the kernel did not read the steps"
    return None


def admit(claim, verdict, outcomes) -> str | None:
    """Why the kernel does not back ``verdict`` for ``claim`` from the sizes' ``outcomes`` (None when it does).

    Every size whose outcome is ``holds`` or ``fails`` must carry genuine tokens that say so (``o.tokens``), and a
    ``holds`` or ``fails`` verdict needs at least one size of that outcome. Other verdicts need nothing.
    """
    want = _status(verdict)
    if want not in ("holds", "fails"):
        return None
    backed = False
    for o in outcomes:
        st = _status(o.status)
        if st not in ("holds", "fails"):
            continue
        why = _backs(claim, o.size, st, getattr(o, "tokens", ()))
        if why is not None:
            where = ", ".join(f"{k} = {v}" for k, v in dict(o.size).items()) or "every value"
            return f"the kernel does not back '{st}' at {where}: {why}"
        backed = backed or st == want
    return None if backed else f"no size's '{want}' is backed by the kernel"



def backing(tokens) -> list:
    """The genuine Proved among ``tokens`` a size's `holds` rests on: the kernel's lift to every size alone when
    the engine added one (it trusts nothing beyond the kernel: :func:`_every_size`), else every genuine Proved."""
    proved = [t for t in tokens if genuine(t) and t.holds]
    lifted = [t for t in proved if t.kind == EVERY_N and not t.label and not t.trusts]
    return lifted or proved


def scope_note(outcomes) -> str:
    """What the kernel did for the sizes that hold, for the verdict's scope: its own checks' error bounds, and
    what it trusted without re-checking (each once, with the sizes)."""
    toks = [t for o in outcomes if _status(o.status) == "holds" for t in backing(getattr(o, "tokens", ()))]
    if not toks:
        return ""
    trusted: dict = {}
    for t in toks:
        for what in t.trusts:
            trusted.setdefault(what, []).append(", ".join(f"{k} = {v}" for k, v in t.size) or "every value")
    errors = sorted({t.error for t in toks if t.error})
    parts = []
    if errors:
        bits = min(b for b, _ in errors)
        random_toks = [t for t in toks if t.error]
        degrees = [t.degree for t in random_toks]
        if all(d is not None for d in degrees):
            worst = max(degrees)
            exp = bits - max(worst, 1).bit_length()  # E < 2^(bit length), so E·2^−bits < 2^−exp
            parts.append(f"the kernel's own random evaluation agreed (error ≤ {worst}·2^−{bits} ≤ 2^−{exp} per "
                         "size, the degree bounded by the kernel)")
        else:
            parts.append(f"the kernel's own random evaluation agreed (error ≤ D·2^−{bits} per size, D the "
                         "difference's degree, not bounded by the kernel at "
                         f"{sum(d is None for d in degrees)} of {len(degrees)} sizes, where agreement at random "
                         "points is evidence, not a bound)")
    if trusted:
        shown = [f"{what} [{'; '.join(dict.fromkeys(where))[:60]}]" for what, where in trusted.items()]
        parts.append("trusted: " + "; ".join(shown[:3]) + (f"; … ({len(shown)} in all)" if len(shown) > 3 else ""))
    elif not errors:
        hows = "; ".join(dict.fromkeys(t.how for t in toks if t.how))
        parts.append("re-checked by the kernel on its own statement" + (f" ({hows[:240]}{'…' if len(hows) > 240 else ''})"
                                                                         if hows else ""))
    return "kernel: " + "; ".join(parts)
