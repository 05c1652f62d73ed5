"""Values: one residue matrix per trial with its bound (degree, height bits, denominator bits), and their
arithmetic (see the package docstring, "The error bound")."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import fmpz_mat, nmod_mat

from ..errors import ShapeError, SymderivError
from . import raw as _raw
from .field import (_ACTIVE, _NEG_INF, _UID, Unsupported, _bits, _is_scalar, _lse, _note_denominator,
                    _rational, _Redraw, _residue, refuse_attribute, refuse_sympify)


# ----- values: one residue matrix per trial, and their bound ----------------------------------------

class MatrixFace:
    """What every F_p value (a value, an operator, a cell's quantity) answers the way SymPy's matrices do, written
    once: hstack/vstack fold row_join/col_join, transpose is .T; sympify and any other attribute are refused in
    one line naming it."""

    __slots__ = ()
    _fp_face = True  # field._is_scalar's quick answer (no F_p value is a number)

    @classmethod
    def hstack(cls, *args):
        return _fold(args, "row_join")

    @classmethod
    def vstack(cls, *args):
        return _fold(args, "col_join")

    def transpose(self):
        return self.T

    def _sympy_(self):
        return refuse_sympify(self)

    def __getattr__(self, name):
        return refuse_attribute(self, name)


def _held(v) -> None:
    """v has a memo (a value's, or an operator's products): the active batch lets it go when its trials are done (``_Batch.release``).

    A memo can close a cycle (a value's transpose memoises the value, its operator and its diag(·) node hold it), so
    a trial's values would wait for the cyclic collector, which is paused while trials run (trial.test_identity):
    the batch empties the memos it was told of instead (an operator's products hold the operator), and reference counting frees the trial's values at once.
    """
    batch = _ACTIVE.get()
    if batch is not None:
        batch.held.append(v)


class Val(MatrixFace):
    """A matrix over F_p for each trial of a batch, with its bound (degree, height bits, denominator bits)."""

    __slots__ = ("a", "rows", "cols", "deg", "h", "d", "uid", "memo", "k")
    __symderiv_value__ = True  # a value a check sees (the lead's guard refuses comparisons, hashing, truth tests)
    _op_priority = 20.0  # above SymPy matrices': sympy_matrix * val calls val.__rmul__
    __array_ufunc__ = None  # numpy scalars defer to us too

    def __init__(self, a: list, rows: int, cols: int, deg: int, h: float, d: float, k=None):
        self.a, self.rows, self.cols, self.deg, self.h, self.d = a, rows, cols, deg, h, d
        self.uid = next(_UID)
        self.memo = None
        #: the reciprocal groups (ids) this value's polynomial may use as variables (None: none); see _ku
        self.k = k

    def _order(self, other):
        """``<`` of field elements has no meaning (F_p is not ordered); asked for a check (a key= function,
        ``list.sort``, ``heapq``: Python compares out of the rewrite's sight) it is the guard's refusal, as on
        every other path, not a TypeError of its own."""
        from ..concrete import compared_for_user, refuse

        if compared_for_user():
            refuse("an ordering Python makes itself (<, a key= function, list.sort, heapq, …) of", self)
        return NotImplemented

    __lt__ = __le__ = __gt__ = __ge__ = _order

    def _convert(self, *_):
        """``float(v)`` asked in C (``math.isclose``, ``math.sqrt``): a field element has no real value."""
        from ..concrete import compared_for_user, refuse

        if compared_for_user():
            refuse("a conversion Python makes itself (math, struct, …) of", self)
        raise TypeError(f"an F_p value has no {type(self).__name__} conversion")

    __float__ = __complex__ = __int__ = __index__ = _convert

    # construction
    @classmethod
    def constant(cls, x, primes: list[int]) -> "Val":
        """A number (1 × 1) or a SymPy matrix of rationals."""
        if isinstance(x, sp.MatrixBase):
            entries = [_rational(e) for e in x]
            rows, cols = x.shape
        else:
            entries, rows, cols = [_rational(x)], 1, 1
        den = math.lcm(*(e.denominator for e in entries)) if entries else 1
        _note_denominator(den)
        top = max((abs(e.numerator) * (den // e.denominator) for e in entries), default=0)
        a = []
        for i, p in enumerate(primes):
            if den % p == 0:
                raise _Redraw(i)
            inv = pow(den, -1, p)
            a.append(nmod_mat(rows, cols, [e.numerator * (den // e.denominator) * inv % p for e in entries], p))
        return cls(a, rows, cols, 0, _bits(top), math.log2(den))

    @classmethod
    def zeros(cls, rows: int, cols: int, primes: list[int]) -> "Val":
        return cls([nmod_mat(rows, cols, p) for p in primes], rows, cols, 0, _NEG_INF, 0.0)

    @property
    def primes(self) -> list[int]:
        return [x.modulus() for x in self.a]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def _memo(self) -> dict:
        if self.memo is None:
            self.memo = {}
            batch = _ACTIVE.get()  # _held, inline: every value read twice makes a memo
            if batch is not None:
                batch.held.append(self)
        return self.memo

    def node(self) -> "Dense":
        """The canonical lazy operator of this value (memoised on the value, so products share it)."""
        memo = self._memo()
        n = memo.get("node")
        if n is None:
            n = memo["node"] = Dense(self)
        return n

    # arithmetic (shapes checked as SymPy checks them)
    def __add__(self, o):
        if isinstance(o, Node):
            return Sum([self.node(), o])
        other = _as_val(o, self, "+")
        _same_shape(self, other, "+")
        return _keep(_add(self, other), self, o)

    def __radd__(self, o):
        return _as_val(o, self, "+") + self

    def __neg__(self):
        return _keep(_scale(self, Fraction(-1)), self)

    def __sub__(self, o):
        if isinstance(o, Node):
            return self.node() - o
        return self + (-_as_val(o, self, "-"))

    def __rsub__(self, o):
        return _as_val(o, self, "-") + (-self)

    def __mul__(self, o):
        if isinstance(o, Node) and isinstance(self, ScalarVal) and o.rows != 1:  # a scalar (an entry) times
            return Prod([Diag(_repeat(self, o.rows)), o])                       # an operator, as in SymPy
        if isinstance(o, Node):  # memoised on the operator by this value's serial number (never reused)
            cache = o.products
            if cache is None:
                cache = o.products = {}
                _held(o)
            p = cache.get(self.uid)
            if p is None:
                p = cache[self.uid] = Prod([self.node(), o])
            return p
        if _is_scalar(o):
            return _keep(_scale(self, _rational(o)), self)
        return _keep(_times(self, _as_val(o, self, "*")), self, o)

    def __rmul__(self, o):
        if _is_scalar(o):
            return _keep(_scale(self, _rational(o)), self)
        return _keep(_times(_as_val(o, self, "*"), self), self, o)

    def __truediv__(self, o):
        if isinstance(o, Val) and not isinstance(o, Dual):  # by a scalar value: times its field inverse
            return self * _recip_scalar(o)
        if not _is_scalar(o):
            raise Unsupported("over F_p, a value is divided by a number or by a scalar value only")
        c = _rational(o)
        if c == 0:
            raise ZeroDivisionError("division of a matrix by zero")
        return _keep(_scale(self, 1 / c), self)

    def __rtruediv__(self, o):  # a number over a scalar value
        return _recip_scalar(self) * o

    def __pow__(self, k):
        if not isinstance(k, int) or k < 0 or self.rows != self.cols:
            raise Unsupported("over F_p, a power is a square matrix to a non-negative integer")
        out = Val.constant(sp.eye(self.rows), self.primes)
        for _ in range(k):
            out = _matmul(out, self)
        return out

    @property
    def T(self) -> "Val":
        memo = self._memo()
        t = memo.get("T")
        if t is None:
            t = memo["T"] = Val([x.transpose() for x in self.a], self.cols, self.rows, self.deg, self.h, self.d,
                                    self.k)
            if type(self) is Val or type(self) is Drawn:  # (vᵀ)ᵀ is v itself (a scalar's stays a 1 × 1 matrix)
                t.memo = {"T": self}
                _held(t)
        return t

    def __iter__(self):
        """The entries, row by row, as scalars (SymPy's order): ``sum(v)``, ``zip(o, y)``."""
        return (_entry(self, i) for i in range(self.rows * self.cols))

    def __len__(self):
        return self.rows * self.cols

    def applyfunc(self, fn):
        """fn of each entry: a polynomial by Horner's rule, else fn's expression over exp, log, sin, cos, tanh,
        rational powers, ÷ (_walk)."""
        reads_alike(fn)  # fn is the expression it gives on a symbol (elementwise.reads_alike)
        coeffs = _entry_polynomial(fn, allow_other=True)
        if coeffs is None:
            return _walk(fn, self, _ValOps(self))
        out = _filled(coeffs[-1], self.rows, self.cols, self.primes)
        for c in reversed(coeffs[:-1]):
            out = _add(_ew(out, self, self.rows, self.cols), _filled(c, self.rows, self.cols, self.primes))
        return out

    def __getitem__(self, key):
        """SymPy's indexing: M[i, j] a scalar, M[k] the k-th entry by rows, M[i, :], M[a:b, c:d], M[[0, 2], j] …"""
        if self.shape == (1, 1) and type(key) in (tuple, int) and key in ((0, 0), 0):  # a 1 × 1 value's entry
            return _as_scalar(self)
        sel = _index(key, self.rows, self.cols)
        if isinstance(sel, list):  # a flat slice: a list of entries, as SymPy gives
            return [_entry(self, i) for i in sel]
        rows, cols, scalar = sel
        if scalar:
            return _entry(self, rows[0] * self.cols + cols[0])
        return _slice(self, rows, cols)

    def row(self, i):
        return self[i, :]

    def col(self, j):
        return self[:, j]

    def row_join(self, o):
        """[self o], SymPy's row_join (``sp.Matrix.hstack(a, b)`` calls it)."""
        if isinstance(o, (Node, Dual)):
            return _upcast(self, o).row_join(o)
        return _join([self, _as_val(o, self, "row_join")], 1)

    def col_join(self, o):
        """[self; o], SymPy's col_join (``sp.Matrix.vstack(a, b)`` calls it)."""
        if isinstance(o, (Node, Dual)):
            return _upcast(self, o).col_join(o)
        return _join([self, _as_val(o, self, "col_join")], 0)


    def __repr__(self):
        return f"Val({self.rows}×{self.cols}, deg ≤ {self.deg})"


def _entry_polynomial(fn, allow_other: bool = False) -> list | None:
    """The coefficients (constant first, Fractions) of fn as a polynomial in one entry; else Unsupported.

    ``allow_other``: None (instead of Unsupported) for an expression that is not a polynomial (_walk reads it).

    fn is called on a SymPy symbol (as SymPy's applyfunc would call it on an
    entry); only a polynomial with rational coefficients evaluates over F_p.
    """
    a = sp.Dummy("a")
    try:
        e = sp.sympify(fn(a))
    except SymderivError:
        raise
    except Exception as exc:
        raise Unsupported(f"applyfunc: the function cannot be read on a symbol over F_p ({exc})") from None
    plain = isinstance(e, sp.Expr) and _plain_polynomial(e, a)
    if allow_other and isinstance(e, sp.Expr) and e.free_symbols <= {a} and not plain:
        return None
    if not isinstance(e, sp.Expr) or not e.free_symbols <= {a} or not plain:
        raise Unsupported(f"applyfunc of {e}: over F_p only a polynomial in the entry evaluates "
                          "(use the symbolic backends)")
    poly = sp.Poly(e, a)
    coeffs = [_rational(c) for c in reversed(poly.all_coeffs())]
    return coeffs or [Fraction(0)]


def _plain_polynomial(e, a) -> bool:
    """e is built from the symbol a and numbers by SymPy's own +, × and non-negative integer powers only.

    Checked node by node on the classes themselves (never ``is_polynomial``, which a class of a proof file's
    own may answer as it likes): anything else is read by _walk, which knows functions by identity.
    """
    for node in sp.preorder_traversal(e):
        cls = type(node)
        if node is a or cls is sp.Add or cls is sp.Mul or isinstance(node, sp.Number):
            continue
        if cls is sp.Pow and isinstance(node.exp, sp.Integer) and node.exp >= 0:
            continue
        return False
    return True


class ScalarVal(Val):
    """A value the exact engine returns as a scalar (E_k, an entry, Σ_k E_k), not a 1 × 1 matrix.

    It adds to a number and multiplies a matrix as a scalar does; a 1 × 1
    *matrix* (hᵀh) still raises a shape error there, as SymPy does.
    """

    __slots__ = ()


class Drawn(Val):
    """A random function's values (``_Batch.apply``): the residues at hand as ints (memo "ints"), the matrices built
    from them when something first reads ``.a`` (σ'(h) multiplies vectors as diag(σ'(h)) from its ints, values._ew,
    and is never read back as a matrix in a trial of Theorem 1)."""

    __slots__ = ("_moduli",)

    def __init__(self, ints: list, moduli: list, rows: int, cols: int):
        self.rows, self.cols, self.deg, self.h, self.d = rows, cols, 1, 0.0, 0.0
        self.uid = next(_UID)
        self.k = None
        self.memo = {"ints": ints}
        self._moduli = moduli
        _A_SLOT.__set__(self, None)  # not built yet (no exception to catch on the first read)
        _held(self)

    @property
    def a(self) -> list:
        a = _A_SLOT.__get__(self, Val)
        if a is None:
            a = [_from_ints(self.rows, self.cols, e, p) for e, p in zip(self.memo["ints"], self._moduli)]
            _A_SLOT.__set__(self, a)
        return a

    @property
    def primes(self) -> list[int]:
        return list(self._moduli)


#: the slot Val keeps its matrices in (Drawn's ``a`` fills it on first read)
_A_SLOT = Val.__dict__["a"]


def _as_scalar(v: Val) -> "ScalarVal":
    if isinstance(v, ScalarVal):
        return v
    if v.shape != (1, 1):
        raise ShapeError(f"a {v.rows}×{v.cols} matrix is not a scalar")
    return ScalarVal(v.a, 1, 1, v.deg, v.h, v.d, v.k)


def _keep(out: Val, *operands) -> Val:
    """out as a scalar when every operand is a scalar (a ScalarVal or a number), as SymPy's Expr arithmetic."""
    if out.shape == (1, 1) and all(isinstance(o, ScalarVal) or _is_scalar(o) for o in operands):
        return _as_scalar(out)
    return out


def _ku2(a, b) -> frozenset | None:
    """_ku(a, b) for two operands (every binary operation), without the loop."""
    ka, kb = a.k, b.k
    if not kb:
        return ka or None
    if not ka or ka <= kb:
        return kb
    return ka if kb <= ka else ka | kb


def _ku(*vals) -> frozenset | None:
    """The reciprocal groups of a value computed from ``vals``: the union of theirs (None when there are none).

    Every value built from other values carries this union, so a reciprocal's argument knows which
    earlier reciprocals its polynomial may contain (the degree bound of "Quotients" in the docstring).
    """
    out = None
    for v in vals:
        k = v.k
        if k:
            out = k if out is None or out <= k else (out if k <= out else out | k)  # the union, shared when one holds the other
    return out


def _same_shape(a, b, op: str) -> None:
    if a.shape != b.shape:
        raise ShapeError(f"Matrix size mismatch: {a.shape} {op} {b.shape}")


def _as_val(o, like: Val, op: str) -> Val:
    """The other operand of a matrix operation: a value or a SymPy matrix of rationals (never a number)."""
    if isinstance(o, Val):
        return o
    if isinstance(o, sp.MatrixBase):
        return Val.constant(o, like.primes)
    if isinstance(o, Dual):
        raise Unsupported("a cell's state mixed with a claim's value")
    if _is_scalar(o):
        c = _rational(o)  # a float or a string is named as such
        if isinstance(like, ScalarVal):  # E_k is the scalar the exact engine returns: E_k + 1 is fine
            return Val.constant(c, like.primes)
        raise ShapeError(f"cannot apply {op} to a number and a {like.rows}×{like.cols} matrix (SymPy raises too)")
    raise Unsupported(f"a {type(o).__name__} cannot enter an F_p computation")


def _add(a: Val, b: Val) -> Val:
    if a.d == 0 and b.d == 0:
        h = _lse(a.h, b.h)
    else:
        h = _lse(b.d + a.h, a.d + b.h)
    return Val([x + y for x, y in zip(a.a, b.a)], a.rows, a.cols, max(a.deg, b.deg), h, a.d + b.d,
               _ku2(a, b))


def _matmul(a: Val, b: Val) -> Val:
    if a.cols != b.rows:
        raise ShapeError(f"Matrix size mismatch: {a.shape} * {b.shape}")
    return Val([x * y for x, y in zip(a.a, b.a)], a.rows, b.cols, a.deg + b.deg, a.h + b.h + _bits(a.cols),
               a.d + b.d, _ku2(a, b))


def _matmul_shared(a: Val, b: Val) -> Val:
    """a · b memoised on a by b's serial number: the truth's forward mode and the closed form both take
    V σ(h_{k−1}) (the direction unvec'd, times a state's σ) at every k of Theorem 1; made once, the same value."""
    memo = a._memo()
    key = ("mm", b.uid)
    r = memo.get(key)
    if r is None:
        r = memo[key] = _matmul(a, b)
    return r


def _times(a: Val, b: Val) -> Val:
    """a · b; a 1 × 1 factor that does not fit as a matrix is a scalar (E_k, as the exact engine returns it)."""
    if a.cols != b.rows and (isinstance(a, ScalarVal) or isinstance(b, ScalarVal)):
        return _kron_dense(a, b)
    return _matmul(a, b)


def _scale(v: Val, c: Fraction) -> Val:
    _note_denominator(c.denominator)
    cs = [_residue(c, x.modulus(), i) for i, x in enumerate(v.a)]
    return Val([x * k for x, k in zip(v.a, cs)], v.rows, v.cols, v.deg, v.h + _bits(abs(c.numerator)),
               v.d + math.log2(c.denominator), v.k)


def _ents(v: Val) -> list:
    """Each trial's entries of v (nmod objects, row by row), memoised on the value.

    A value's matrices are never changed in place (every operation makes new ones), so the entries read once
    stay its entries; reading them out of FLINT is most of an entrywise operation's cost at n = 64.
    """
    memo = v._memo()
    e = memo.get("ents")
    if e is None:
        e = memo["ents"] = [x.entries() for x in v.a]
    return e


_raw_ints = _raw.ints


def _ints(v: Val) -> list:
    """Each trial's entries of v as Python ints (the residues in [0, p)), row by row, memoised on the value (σ and
    σ' of one argument read its residues once)."""
    memo = v._memo()
    e = memo.get("ints")
    if e is None:
        ents = memo.get("ents")
        e = memo["ints"] = [list(map(int, x)) for x in ents] if ents is not None else [_raw_ints(x) for x in v.a]
    return e


def _from_ints(rows: int, cols: int, ints: list, p: int) -> nmod_mat:
    """An nmod_mat from residues in [0, p): copied into FLINT's words at once (fp/raw.py), or, where that is not
    available, through fmpz_mat (a third faster than nmod_mat's own list path)."""
    if not ints:
        return nmod_mat(rows, cols, p)
    if _raw.ENABLED or not _raw._PROBED:
        return _raw.from_ints(rows, cols, ints, p)
    return nmod_mat(fmpz_mat(rows, cols, ints), p)


def _known_ints(v: Val):
    """v's residues as Python ints when they are at hand (a random function's values), else None."""
    memo = v.memo
    return memo.get("ints") if memo is not None and "ents" not in memo else None


#: a vector of at most this many entries whose residues are at hand as ints (a random function's values σ'(h))
#: multiplies another vector entrywise as diag(d) times it in FLINT (no entry of the other vector read out of FLINT)
DIAG_MAX = 128


def _diag_of(d: Val, like: Val) -> list:
    """diag(d) per trial (nmod_mat, n × n) for a vector d whose residues are at hand as ints, for one product at once;
    the moduli are like's (the same trials).

    The matrix is the active batch's scratch diagonal matrix for the trial, n and its prime, its diagonal overwritten
    with d's residues: only diagonals are ever written to it, so off the diagonal it stays 0, and it never leaves
    values._ew (the product is a new matrix). A fresh n × n matrix per d (memoised on d, as before) cost more to
    allocate than its n entries cost to write twice: 255 of them, 8 MB, per trial of Theorem 1 at (64, 256), each
    on fresh pages. The diagonal is written in one copy into FLINT's words where fp/raw.py can (8.7 µs → ~2 µs at
    n = 64), else entry by entry. Outside a trial (no batch) a fresh matrix."""
    n = d.rows * d.cols
    batch = _ACTIVE.get()
    pool = batch.diagonals if batch is not None else None
    out = []
    for t, (ints, p) in enumerate(zip(d.memo["ints"], like.primes)):
        key = (t, n, p)  # one per trial, even if two trials drew the same prime (the products come after the loop)
        D = pool.get(key) if pool is not None else None
        if D is None:
            D = _raw.Diagonal(n, p)
            if pool is not None:
                pool[key] = D
        out.append(D.set(ints))
    return out


def _ew(a: Val, b: Val, rows: int, cols: int) -> Val:
    """The entrywise product of two values with the same number of entries, shaped rows × cols.

    For vectors where one operand's residues are at hand as ints (a random function's values), diag(that) times the
    other in FLINT (DIAG_MAX). Otherwise each operand is read out of FLINT once (its entries memoised), or not at all
    when its residues are at hand as ints (an nmod times an int is that nmod times the int's residue); the
    product's entries are kept on it, so a chain of entrywise products reads each value once. The bound is the
    entrywise product's in every case (each entry one product: degrees, heights and denominators add)."""
    ia, ib = _known_ints(a), _known_ints(b)
    n = rows * cols
    if (ia is None) != (ib is None) and 0 < n <= DIAG_MAX and (rows == 1 or cols == 1):
        d, o = (a, b) if ib is None else (b, a)
        if o.rows == 1 or o.cols == 1:
            D = _diag_of(d, o)
            if cols == 1:
                out = [M * (x if x.ncols() == 1 else x.transpose()) for M, x in zip(D, o.a)]
            else:
                out = [(x if x.nrows() == 1 else x.transpose()) * M for M, x in zip(D, o.a)]
            return Val(out, rows, cols, a.deg + b.deg, a.h + b.h, a.d + b.d, _ku2(a, b))
    if ia is not None and ib is not None:
        ps = a.primes
        prods = [[u * v % p for u, v in zip(s, t)] for s, t, p in zip(ia, ib, ps)]
        out = [_from_ints(rows, cols, e, p) for e, p in zip(prods, ps)]
        key = "ints"
    else:
        ea = _ents(a) if ia is None else None
        eb = _ents(b) if ib is None else None
        if ea is None:
            ea, ib = eb, ia  # the nmod operand first: nmod × int is an nmod
        prods = [[u * v for u, v in zip(s, t)] for s, t in zip(ea, ib if ib is not None else eb)]
        out = [nmod_mat(rows, cols, e, p) for e, p in zip(prods, a.primes)]
        key = "ents"
    r = Val(out, rows, cols, a.deg + b.deg, a.h + b.h, a.d + b.d, _ku(a, b))
    r.memo = {key: prods}
    _held(r)
    return r


def _reshape(v: Val, rows: int, cols: int, order: str) -> Val:
    """The entries of v (read by rows) as a rows × cols matrix, filled by rows ("C") or by columns ("F")."""
    ints = v.memo.get("ints") if v.memo is not None else None
    if ints is not None:  # the residues at hand (a drawn direction x): no read out of FLINT
        out = []
        for e, p in zip(ints, v.primes):
            if order == "F":
                e = [e[j * rows + i] for i in range(rows) for j in range(cols)]
            out.append(_from_ints(rows, cols, e, p))
        return Val(out, rows, cols, v.deg, v.h, v.d, v.k)
    out = []
    for x in v.a:
        e = x.entries()
        if order == "F":
            e = [e[j * rows + i] for i in range(rows) for j in range(cols)]
        out.append(nmod_mat(rows, cols, e, x.modulus()))
    return Val(out, rows, cols, v.deg, v.h, v.d, v.k)


def _entry_sum(v: Val) -> Val:
    out = [nmod_mat(1, 1, [sum(int(e) for e in x.entries()) % x.modulus()], x.modulus()) for x in v.a]
    return Val(out, 1, 1, v.deg, v.h + _bits(v.rows * v.cols), v.d, v.k)


def _kron_dense(a: Val, b: Val) -> Val:
    out = []
    for x, y in zip(a.a, b.a):
        A, B = x.tolist(), y.tolist()
        out.append(nmod_mat(a.rows * b.rows, a.cols * b.cols,
                            [A[i][j] * B[k][l] for i in range(a.rows) for k in range(b.rows)
                             for j in range(a.cols) for l in range(b.cols)], x.modulus()))
    return Val(out, a.rows * b.rows, a.cols * b.cols, a.deg + b.deg, a.h + b.h, a.d + b.d, _ku(a, b))


def _column(v: Val) -> Val:
    """A vector as a column."""
    if v.cols == 1:
        return v
    if v.rows == 1:
        return v.T
    raise ShapeError(f"diag takes a vector, not a {v.rows}×{v.cols} matrix")


def _entry(v: Val, i: int) -> "ScalarVal":
    """Entry i (row by row) of a value, as a scalar with the value's bounds."""
    out = [nmod_mat(1, 1, [x.entries()[i]], x.modulus()) for x in v.a]
    return ScalarVal(out, 1, 1, v.deg, v.h, v.d, v.k)


def _filled(c: Fraction, rows: int, cols: int, primes: list[int]) -> Val:
    """The constant matrix with every entry c."""
    _note_denominator(c.denominator)
    a = [nmod_mat(rows, cols, [_residue(c, p, i)] * (rows * cols), p) for i, p in enumerate(primes)]
    return Val(a, rows, cols, 0, _bits(abs(c.numerator)), math.log2(c.denominator))


def _join_bounds(vals: list) -> tuple[int, float, float]:
    """The bound of values put side by side or stacked: one common denominator, the product of theirs.

    Each value's entries are polynomials over its own denominator B_i ≤ 2^(d_i); the joined matrix has the
    denominator Π B_i (d = Σ d_i), over which the entries of value i have height ≤ h_i + Σ_(j≠i) d_j. (Taking
    the largest d_i alone would claim one B_i clears every entry, which it need not.)
    """
    d = sum(v.d for v in vals)
    h = max((v.h + (d - v.d) for v in vals), default=_NEG_INF)
    return max((v.deg for v in vals), default=0), h, d


def _join(vals: list, axis: int) -> Val:
    """Values side by side (axis 1: SymPy's row_join, hstack) or stacked (axis 0: col_join, vstack)."""
    vals = [v for v in vals if (v.cols if axis == 1 else v.rows)] or vals[:1]  # a null matrix joins anything
    if axis == 1:  # (SymPy #10770)
        rows = vals[0].rows
        if any(v.rows != rows for v in vals):
            raise ShapeError(f"The matrices have incompatible number of rows "
                             f"({', '.join(str(v.rows) for v in vals)})")
        cols = sum(v.cols for v in vals)
    else:
        cols = vals[0].cols
        if any(v.cols != cols for v in vals):
            raise ShapeError(f"The matrices have incompatible number of columns "
                             f"({', '.join(str(v.cols) for v in vals)})")
        rows = sum(v.rows for v in vals)
    if len(vals) == 1:
        return vals[0]
    out = []
    for i, p in enumerate(vals[0].primes):
        es = [v.a[i].entries() for v in vals]
        if axis == 0:
            flat = [e for part in es for e in part]
        else:
            flat = [e for r in range(rows) for v, part in zip(vals, es) for e in part[r * v.cols:(r + 1) * v.cols]]
        out.append(nmod_mat(rows, cols, flat, p))
    deg, h, d = _join_bounds(vals)
    return Val(out, rows, cols, deg, h, d, _ku(*vals))


def _vstack(vals: list) -> Val:
    """Column vectors stacked into one column."""
    return _join(vals, 0)


def _hstack(vals: list) -> Val:
    """1 × 1 values side by side: a row."""
    return _join(vals, 1)


def _slice(v: Val, rows, cols) -> Val:
    """The sub-matrix of v on the row indices ``rows`` and the column indices ``cols`` (v's bound: each entry
    is one of v's, over v's denominator)."""
    R, C = len(rows), len(cols)
    out = []
    for x in v.a:
        e = x.entries()
        out.append(nmod_mat(R, C, [e[i * v.cols + j] for i in rows for j in cols], x.modulus()))
    return Val(out, R, C, v.deg, v.h, v.d, v.k)


def _repeat(s: Val, k: int) -> Val:
    """A scalar value repeated in a column of k entries (its bound: each entry is s)."""
    out = [nmod_mat(k, 1, [x[0, 0]] * k, x.modulus()) for x in s.a]
    return Val(out, k, 1, s.deg, s.h, s.d, s.k)


def _is_rational_matrix(x) -> bool:
    """A SymPy matrix whose entries SymPy itself holds as integers or rationals (its domain ZZ or QQ), so that its
    comparisons (== eye, is_zero_matrix) are about numbers, never what an entry's class says of itself."""
    rep = getattr(x, "_rep", None)
    return rep is not None and getattr(rep, "domain", None) in (sp.ZZ, sp.QQ)


def _is_index(k) -> bool:
    return (isinstance(k, (int, np.integer)) and not isinstance(k, bool)) or isinstance(k, sp.Integer)


def _positions(k, n: int) -> list[int]:
    """The positions a key selects among n (an index, a slice, or a list of indices), as SymPy reads them."""
    if isinstance(k, slice):
        return list(range(n))[k]
    if _is_index(k):
        i = int(k)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError(f"Index out of range: a[{i}]")
        return [j]
    if isinstance(k, (list, tuple)) and all(_is_index(i) for i in k):
        return [p for i in k for p in _positions(i, n)]
    raise Unsupported(f"indexing a matrix by {k!r} is not available over F_p (an index, a slice or a list of "
                      "indices is)")


def _index(key, rows: int, cols: int):
    """SymPy's indexing: (row positions, column positions, scalar?) for a pair; a flat key k: (i, j) of entry k
    by rows; a flat slice: the list of flat positions (SymPy returns a list of entries)."""
    if isinstance(key, tuple) and len(key) == 2:
        r, c = key
        return _positions(r, rows), _positions(c, cols), _is_index(r) and _is_index(c)
    if _is_index(key):
        (k,) = _positions(key, rows * cols)
        return [k // cols], [k % cols], True
    if isinstance(key, slice):
        return list(range(rows * cols))[key]
    raise Unsupported(f"indexing a matrix by {key!r} is not available over F_p (M[i, j], M[k], slices and "
                      "lists of indices are)")


def _fold(args, how: str):
    """SymPy's hstack/vstack: row_join/col_join folded from the left (an empty call is refused)."""
    if not args:
        raise Unsupported(f"an empty {'hstack' if how == 'row_join' else 'vstack'} is not available over F_p")
    out = args[0]
    for a in args[1:]:
        out = getattr(out, how)(a)
    return out


def _upcast(v: Val, o):
    """v as the kind of o (an operator, or a cell's quantity), so that a join with o is o's kind of join."""
    if isinstance(o, Dual):
        return Dual.lift(v, o.model)
    return v.node()


from .dag import Dense, Diag, Node, Prod, Sum  # noqa: E402  (a cycle: operators are built from values)
from .elementwise import _recip_scalar, _ValOps, _walk, reads_alike  # noqa: E402
from .model import Dual  # noqa: E402


def _guard_text_of_values():
    from ..concrete import _guard_truth, guard_value_text

    guard_value_text(Val)
    # a scalar (an entry): its truth asked in C (itertools.compress) is a SymPy scalar's, refused; not a 1 × 1
    # matrix's (its size, as SymPy's)
    _guard_truth(ScalarVal)


_guard_text_of_values()
