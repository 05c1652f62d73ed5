"""A batch of trials (primes, points, random functions and the sites they share) and the trial driver:
trials until a disagreement or an error bound ≤ 2^−target_bits."""
from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import nmod_mat

from ..errors import ShapeError
from .bound import trial_error
from .dag import Node, lift
from .evaluate import Evaluator
from .field import (_ACTIVE, _NEG_INF, _UID, BATCH, TARGET_BITS, Unsupported, _is_scalar, _lse, _Redraw,
                    _ZeroDenominator, random_prime)
from .model import FpModel
from .values import Drawn, Val, _ints


# ----- a batch of trials ---------------------------------------------------------------------------

class _Draws:
    """A trial's uniform residues: its generator's stream of ``rng.integers(0, p)``, read in blocks.

    For p > 2³² NumPy draws bounded 64-bit integers one at a time (Lemire's rejection on 64-bit words, no
    carried buffer), so k + l values drawn in one call are the k values then the l values drawn in two: reading k
    values from a block is drawing those k values, in the same order, from the same stream (tests/test_fp_tables.py
    checks it). Each value is an independent uniform draw from [0, p), whichever call drew it; values a batch
    drew but never used (a prime redrawn, a batch begun again) are skipped, and skipping draws whose values
    decide nothing leaves the ones used independent and uniform, so every bound stands as stated.
    """

    BLOCK = 1024
    __slots__ = ("rng", "p", "buf", "i")

    def __init__(self, rng, p: int):
        self.rng, self.p, self.buf, self.i = rng, p, [], 0

    def take(self, k: int) -> list:
        """The next k values of the stream."""
        i, j = self.i, self.i + k
        buf = self.buf
        if j > len(buf):
            left = len(buf) - i
            buf = self.buf = buf[i:] + self.rng.integers(0, self.p, size=max(self.BLOCK, k - left)).tolist()
            i, j = 0, k
        self.i = j
        return buf[i:j]


class _Batch:
    """K independent trials: a prime, a point and random functions each; the sites they share."""

    def __init__(self, rngs: list, primes: list[int]):
        self.rngs, self.primes = rngs, primes
        #: per trial, its stream of uniform residues (every draw of the trial's point and tables, in order)
        self.draws = [_Draws(rng, p) for rng, p in zip(rngs, primes)]
        #: per trial, random function (a table name: sigma, dsigma, tanh, logistic, E, dE1, …) -> its table
        self.tables = [{} for _ in primes]
        #: random function -> [(sites, degree, height bits, denominator bits)] of each group of sites' arguments
        self.sites: dict[str, list] = {}
        self.dens: set[int] = set()
        #: reciprocal group id -> (entries, c, g): each entry's 1/q has degree ≤ c, height ≤ g bits once cleared
        self.recips: dict[int, tuple] = {}
        #: what the relaxation reads as independent atoms (exp, log) or quotients: named in the report
        self.relaxed: set[str] = set()
        #: the values of these trials that have a memo (values._held), emptied by ``release``
        self.held: list = []
        #: (trial, n, p) -> the trial's scratch n × n diagonal matrix mod p (raw.Diagonal; values._diag_of)
        self.diagonals: dict = {}

    def release(self, model=None) -> None:
        """Let the trials' values go once their residues are compared: every memo the batch was told of is emptied
        (a random function's values keep their residues) and the model's tape and quantities are dropped, so the
        cycles they close (a value and its transpose, a value and its operator, a quantity and its model) are
        broken and reference counting frees them now, not the cyclic collector later. Nothing is read from them
        after this; the bound's inputs (sites, denominators, reciprocal groups) stay on the batch."""
        for v in self.held:
            if isinstance(v, Node):
                v.products = None
                continue
            memo = v.memo
            v.memo = {"ints": memo["ints"]} if type(v) is Drawn and memo and "ints" in memo else None
        self.held = []
        if model is not None:
            model.__dict__.clear()

    def rational(self, k) -> tuple[int, float]:
        """Σ c and Σ g over the reciprocal sites of groups ``k`` (each group counts its entries)."""
        C, G = 0, 0.0
        for gid in k or ():
            cnt, c, g = self.recips[gid]
            C, G = C + cnt * c, G + cnt * g
        return C, G

    def reciprocal(self, v: Val) -> Val:
        """1/v entrywise: the field inverse at the point; a new group of reciprocal sites (module docstring)."""
        if v.h == _NEG_INF:
            raise Unsupported("a quotient's denominator is identically zero (division by zero)")
        C, G = self.rational(v.k)
        c = v.deg * (1 + C)
        g = max(v.h, v.d, 0.0) + v.deg * G
        out = []
        for i, (p, x) in enumerate(zip(self.primes, v.a)):
            ents = [int(e) for e in x.entries()]
            if 0 in ents:
                raise _ZeroDenominator(i)
            out.append(nmod_mat(v.rows, v.cols, [pow(e, -1, p) for e in ents], p))
        gid = next(_UID)
        self.recips[gid] = (v.rows * v.cols, c, g)
        self.relaxed.add("quotients")
        return Val(out, v.rows, v.cols, 1, 0.0, 0.0, frozenset((gid,)))

    def random(self, rows: int, cols: int) -> Val:
        """Fresh uniform variables (degree 1, coefficient 1), their residues kept as ints (``values.Drawn``)."""
        return Drawn([d.take(rows * cols) for d in self.draws], list(self.primes), rows, cols)

    def apply(self, name: str, v: Val) -> Val:
        """A random function applied entrywise: one site per entry.

        The function of trial i is its table: residue -> value, each value drawn uniformly from [0, p) by that
        trial's generator the first time its residue is an argument (the new residues of one call in order of first
        appearance, one draw of that many), then read back for every later argument with that residue. The common
        case, every argument a residue not seen before and no two alike (σ of a fresh state), draws them and fills
        the table in one pass with no lookup; the values are the ones the general path draws (tests/test_fp_tables.py).
        """
        self.sites.setdefault(name, []).append((v.rows * v.cols, v.deg, v.h, v.d, *self.rational(v.k)))
        ints = []
        args_of = _ints(v)
        distinct = v.memo.get("distinct")  # per trial: no two of its residues alike (σ and σ' of v ask both)
        if distinct is None:
            distinct = v.memo["distinct"] = [len(set(args)) == len(args) for args in args_of]
        for d, tables, args, once in zip(self.draws, self.tables, args_of, distinct):
            table = tables.get(name)
            if table is None:
                table = tables[name] = {}
            if args and once and table.keys().isdisjoint(args):  # all new, all distinct
                vals = d.take(len(args))
                table.update(zip(args, vals))
            else:
                new = [a for a in dict.fromkeys(args) if a not in table]  # in order of first appearance
                if new:
                    table.update(zip(new, d.take(len(new))))
                vals = [table[a] for a in args]
            ints.append(vals)
        return Drawn(ints, list(self.primes), v.rows, v.cols)  # its matrices built when first read

    def apply_sign(self, v: Val) -> Val:
        """The sign atom S entrywise (table ``sign``): at residue a a uniform value, drawn the first time a or p − a
        is an argument, S(p − a) = −S(a) (so |−u| = |u|, max(a, b) = max(b, a)), S(0) = 0. Mirrored: the bound
        counts u_i + u_j and u_i beside u_i − u_j (bound.MIRRORED; package docstring, "|·|, max and min")."""
        self.sites.setdefault("sign", []).append((v.rows * v.cols, v.deg, v.h, v.d, *self.rational(v.k)))
        ints = []
        for d, p, tables, args in zip(self.draws, self.primes, self.tables, _ints(v)):
            table = tables.setdefault("sign", {0: 0})
            vals = []
            for a in args:
                s = table.get(a)
                if s is None:
                    s = table[a] = d.take(1)[0]
                    table[(p - a) % p] = (p - s) % p
                vals.append(s)
            ints.append(vals)
        return Drawn(ints, list(self.primes), v.rows, v.cols)

    def apply_tuple(self, name: str, v: Val) -> Val:
        """A random function of all the entries of v at once (an abstract loss E(o, y)): one site, 1 × 1.

        Two sites collide only if their argument tuples agree in every entry; where the tuples are different
        polynomials, some entry differs, so the pair bound of single entries applies (module docstring).
        """
        self.sites.setdefault(name, []).append((1, v.deg, v.h, v.d, *self.rational(v.k)))
        out = []
        for d, p, tables, args in zip(self.draws, self.primes, self.tables, _ints(v)):
            table = tables.setdefault(name, {})
            key = tuple(args)
            if key not in table:
                table[key] = d.take(1)[0]
            out.append(nmod_mat(1, 1, [table[key]], p))
        return Val(out, 1, 1, 1, 0.0, 0.0)


# ----- one size: trials until a disagreement or error ≤ 2^−target_bits ------------------------------------

@dataclass
class Outcome:
    equal: bool
    trials: int
    error_bits: float    # −log₂ of the bound on a false "equal" (∞ after a disagreement)
    degree: int
    redraws: int         # primes redrawn because they divided a denominator
    seconds_per_trial: float
    bits_per_trial: float = 0.0
    height: float = 0.0
    sites: dict = field(default_factory=dict)   # function -> number of σ sites (entries) in a trial
    parts: dict = field(default_factory=dict)
    #: what the trial read by the relaxation: "exp", "log" (atoms with their derivative rules), "quotients"
    relaxed: tuple = ()

    def relaxation(self) -> str:
        """The scope's words for the relaxation this outcome rests on ("" when it used none of exp, log, ÷)."""
        if not self.relaxed:
            return ""
        fns = [f for f in self.relaxed if f != "quotients"]
        words = []
        if fns:
            words.append(f"{self.atom_words} read as one random atom per argument with the derivative rule "
                         + ", ".join(_rule_words(f) for f in fns))
            forgotten = [w for f in fns if (w := _forgotten_words(f))]
            if forgotten:
                words.append("relations forgotten: " + ", ".join(forgotten))
        if "quotients" in self.relaxed:
            rec = self.parts.get("reciprocals", 0)
            words.append(f"{rec} quotient entries as field inverses (numerator degree ≤ "
                         f"{self.parts.get('numerator_degree', self.degree)} once cleared)")
        return "; ".join(words)


    @property
    def atoms(self) -> tuple:
        """The functions read as independent random atoms ("exp", "log", "sin", "cos", "√", "s^(1/3)", …)."""
        out = []
        for f in self.relaxed:
            if f == "sin/cos":
                out += ["sin", "cos"]
            elif f.startswith("pow"):
                out.append("√" if f == "pow1/2" else f"s^({f[3:]})")
            elif f == "abs":
                out.append("sign (of |·|, max, min)")
            elif f != "quotients":
                out.append(f)
        return tuple(out)


    @property
    def atom_words(self) -> str:
        """The atoms as words: "exp and log", "√, sin and cos" ("" when there are none)."""
        a = self.atoms
        return ", ".join(a[:-1]) + " and " + a[-1] if len(a) > 1 else "".join(a)


def _rule_words(family: str) -> str:
    if family.startswith("pow"):
        r = family[3:]
        return "d√s = ½ √s ds/s" if r == "1/2" else f"d s^({r}) = ({r}) s^({r}) ds/s"
    return {"exp": "d exp z = exp z dz", "log": "d log s = ds/s",
            "abs": "|u| = S(u)·u, max(a, b) = (a + b + |a − b|)/2, min(a, b) = (a + b − |a − b|)/2, d|u| = S(u) du, "
                   "S(−u) = −S(u)",
            "sin/cos": "d sin z = cos z dz, d cos z = −sin z dz"}[family]


def _forgotten_words(family: str) -> str:
    if family.startswith("pow"):
        r = Fraction(family[3:])
        return "(√s)² = s" if r == Fraction(1, 2) else f"(s^({r}))^{r.denominator} = s^{r.numerator}"
    return {"exp": "exp(a) exp(b) = exp(a + b)", "log": "log(exp z) = z", "abs": "S(u)² = 1",
            "sin/cos": "sin² + cos² = 1 and the addition formulas"}[family]


def _sides(claim, model, primes):
    from ..concrete import watching

    with watching():  # a refusal the check caught is still a refusal
        out = claim.check(model)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Unsupported(f"the check must return (lhs, rhs), not {type(out).__name__}")
    sides = []
    for s in out:
        if _is_scalar(s):
            s = Val.constant(s, primes)
        sides.append(lift(s))
    lhs, rhs = sides
    if lhs.shape != rhs.shape:
        raise ShapeError(f"the sides have different shapes: lhs is {lhs.rows}×{lhs.cols}, "
                         f"rhs is {rhs.rows}×{rhs.cols}")
    return lhs, rhs


def _batch(claim, size: dict, rngs: list) -> tuple[bool, Val, Val, "_Batch", int]:
    primes = [random_prime(r) for r in rngs]
    for redraws in range(16):
        batch = _Batch(rngs, primes)
        token = _ACTIVE.set(batch)
        model = None
        try:
            model = FpModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1), batch=batch,
                            layout=claim.conventions.get("layout", "row-major"),
                            activation=getattr(claim, "activation", "abstract"), loss=getattr(claim, "loss", "abstract"))
            lhs, rhs = _sides(claim, model, primes)
            u, x = batch.random(1, lhs.rows), batch.random(lhs.cols, 1)
            ev = Evaluator()
            a, b = ev.project(lhs, u, x), ev.project(rhs, u, x)
        except _Redraw as r:
            batch.release(model)
            primes[r.i] = random_prime(rngs[r.i])
            continue
        except _ZeroDenominator:  # the same primes, a fresh point for every trial (each rng draws on)
            batch.release(model)
            continue
        except BaseException:
            batch.release(model)
            raise
        finally:
            _ACTIVE.reset(token)
        equal = all(int(p[0, 0]) == int(q[0, 0]) for p, q in zip(a.a, b.a))
        batch.release(model)
        return equal, a, b, batch, redraws
    raise Unsupported("the primes drawn keep dividing the claim's denominators, or its quotients' denominators "
                      "keep vanishing at the points drawn")


def test_identity(claim, size: dict, *, seed: int = 0, target_bits: float = TARGET_BITS,
                  max_trials: int = 64) -> Outcome:
    """Trials until one disagrees, or until the bound on a false "equal" is ≤ 2^−target_bits."""
    if claim.model is None:
        raise Unsupported("the randomized backend checks claims about a model")
    if getattr(claim, "modulo", ()):
        raise Unsupported("side relations (modulo=...) are decided by the symbolic backends only")
    t0 = time.perf_counter()
    # a trial makes many short-lived objects and few cycles: the cyclic collector's passes over them are a tenth of
    # a trial's time (benchmarks/RESULTS.md, fpfloor); they run once, after the trials (reference counting frees the
    # rest as it goes)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _trials(claim, size, seed, target_bits, max_trials, t0)
    finally:
        if collecting:
            gc.enable()


def _trials(claim, size: dict, seed: int, target_bits: float, max_trials: int, t0: float) -> Outcome:
    seq = np.random.SeedSequence([seed, *(size.get(k, 1) for k in ("n", "t", "m"))])
    bits, trials, redraws, want = 0.0, 0, 0, BATCH
    out = Outcome(True, 0, 0.0, 0, 0, 0.0)
    while bits < target_bits:
        k = min(want, max_trials - trials)
        if k <= 0:
            raise Unsupported(f"{trials} trials reach an error bound of 2^−{bits:.0f} only "
                              f"(2^−{out.bits_per_trial:.1f} per trial): too many σ sites for p ≈ 2⁶²")
        equal, a, b, batch, r = _batch(claim, size, [np.random.default_rng(s) for s in seq.spawn(k)])
        trials, redraws = trials + k, redraws + r
        degree = max(a.deg, b.deg)
        height = _lse(b.d + a.h, a.d + b.h)
        per, parts = trial_error(degree, height, batch.sites, batch.dens, batch.recips)
        out = Outcome(equal, trials, math.inf if not equal else bits + k * per, degree, redraws,
                      (time.perf_counter() - t0) / trials, per, height,
                      {name: sum(g[0] for g in groups) for name, groups in batch.sites.items() if groups}, parts,
                      tuple(sorted(batch.relaxed)))
        if not equal:
            return out
        if per <= 0:
            raise Unsupported("one trial's error bound is ≥ 1: too many σ sites for p ≈ 2⁶²")
        bits = out.error_bits
        want = max(1, math.ceil((target_bits - bits) / per))
    return out


def certification_sizes(claim, size: dict) -> list[dict]:
    """Where the exact engine may certify a disagreement found at ``size``: small sizes, smallest first.

    The sizes asked for when small enough, the small sizes of the claim's sweep,
    every n ≤ 3, t ≤ 6 below the size asked, and larger t at n = 1, 2 (a closed
    form may break only late). Dimensions the claim fixes are kept.
    """
    n, t = size.get("n"), size.get("t")
    if n is None or t is None:
        return [size]
    fixed = claim.sizes.fixed
    own = claim.sizes.dims
    ns = own.get("n", (n,)) if "n" in fixed else range(1, min(n, 3) + 1)
    ts = set(own.get("t", (t,))) if "t" in fixed else set(range(1, min(t, 6) + 1))
    out = []
    for nn in ns:
        extra = set() if "t" in fixed else set(range(1, min(t, {1: 12, 2: 8}.get(nn, 6)) + 1))
        for tt in sorted(ts | extra):
            out.append({**size, "n": nn, "t": tt})
    for s in claim.sizes.sizes():
        if s.get("n", 1) <= 3 and s.get("t", 1) <= 6:
            out.append({**size, **s})
    if n <= 3 and t <= 6:
        out.append(dict(size))
    seen, uniq = set(), []
    for s in sorted(out, key=lambda s: (s["n"], s["t"])):
        key = tuple(sorted(s.items()))
        if key not in seen:
            seen.add(key)
            uniq.append(s)
    return uniq
