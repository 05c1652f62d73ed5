"""One description of a witness, for every format: a typed list of lines (label, exact values, decimals).

:func:`describe` is the only place that reads a counterexample by its kind
(identity, relation, limit); the terminal panel, the Markdown section,
``explain``'s worked counterexample and the pytest failure all render the
:class:`Evidence` it returns. Rendering is apart from deciding: nothing here
computes a verdict. The exact values are the certificate's; a decimal is
printed beside each (12 significant digits) and never stands for it.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..results import Result
from ..meaning import entry
from .common import sparkline


class Kind(enum.StrEnum):
    """What a line of evidence states."""

    SIZE = "size"
    SIGMA = "witness σ"
    LOSS = "witness loss"
    POINT = "point"
    HYPOTHESIS = "hypothesis"
    ENTRY = "entry"
    STEP = "failing step"
    SIDE = "side"
    LIMIT = "limit"
    CURVE = "curve"
    DIFFERS = "differs"
    WHY = "why"
    CERTIFICATE = "certificate"


# ----- exact values ------------------------------------------------------------

_SAFE = re.compile(r"^[0-9a-zA-Z_+\-*/().,\s]*$")
_NAMES = {"tanh", "exp", "log", "sqrt", "sin", "cos", "E", "pi", "x"}


def parse(text: str) -> sp.Expr | None:
    """A recorded exact value ("-3/4", "sqrt(2)", "1 - tanh(1/2)**2") as SymPy, or None.

    Only numbers, + − * / **, parentheses and the names of exact functions
    pass (and ``x``, for a minimal polynomial): nothing recorded is executed.
    """
    text = str(text).strip()
    if not text or not _SAFE.match(text) or any(w not in _NAMES for w in re.findall(r"[A-Za-z_]\w*", text)):
        return None
    try:
        return sp.sympify(text, rational=True, locals={"x": sp.Symbol("x"), "E": sp.E})
    except (sp.SympifyError, SyntaxError, TypeError, ValueError):
        return None


class _Printer(StrPrinter):
    """SymPy's str form, written as mathematics: √2, x^2, 2·x, e."""

    def _print_Pow(self, e, rational=False):
        if e.exp in (sp.S.Half, -sp.S.Half):
            b = self._print(e.base)
            root = "√" + (b if e.base.is_Atom else f"({b})")
            return root if e.exp == sp.S.Half else f"1/{root}"
        prec = PRECEDENCE["Pow"]
        return f"{self.parenthesize(e.base, prec, strict=True)}^{self.parenthesize(e.exp, prec, strict=True)}"

    def _print_Exp1(self, e):
        return "e"


def math_text(expr: sp.Expr) -> str:
    """One line of mathematics in Unicode: √2, -1/4, x^2 + x, tanh(1/2)."""
    return _Printer().doprint(expr).replace("**", "^").replace("*", "·")


def decimal(expr: sp.Expr, digits: int = 12) -> str:
    """A decimal of an exact real (a picture of it, never the value)."""
    text = sp.sstr(sp.N(expr, digits))
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class Value:
    """An exact value (SymPy's text of it), or, when no closed form is known, the kernel's enclosure."""

    exact: str = ""
    enclosure: str = ""

    def expr(self) -> sp.Expr | None:
        return parse(self.exact) if self.exact else None

    def _needs_decimal(self, e) -> bool:
        return not e.is_Integer

    def text(self) -> str:
        e = self.expr()
        if e is None:
            return f"∈ {self.enclosure}" if self.enclosure else "?"
        if not e.is_number:
            return math_text(e)
        return math_text(e) + (f" ≈ {decimal(e)}" if self._needs_decimal(e) else "")

    def latex(self) -> str:
        e = self.expr()
        if e is None:
            return f"\\in {_latex_ball(self.enclosure)}" if self.enclosure else "?"
        if not e.is_number:
            return sp.latex(e)
        return sp.latex(e) + (f" \\approx {decimal(e)}" if self._needs_decimal(e) else "")


def _latex_ball(text: str) -> str:
    return text.replace("+/-", "\\pm")


# ----- lines -------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One statement of the evidence: what it is, its label, and the same content as text and as LaTeX."""

    kind: Kind
    label: str
    text: str            # the whole statement in Unicode mathematics, one line ("lhs = √2 ≈ 1.41421356237")
    latex: str = ""      # the same in LaTeX (math mode) for Markdown; '' when the line is words only
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Evidence:
    claim_id: str
    lines: tuple[Line, ...]
    #: does the point show '·' for an entry it does not give? (only then does a format print that legend)
    uses_dot: bool = False

    def of(self, kind: Kind) -> list[Line]:
        return [ln for ln in self.lines if ln.kind == kind]


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def pretty_name(name: str) -> str:
    """'h_1[0]' → 'h₁[0]' (a step index as a subscript); 'W_R[1,0]' stays."""
    m = re.fullmatch(r"([^\W\d_]+)_(\d+)(\[.*\])?", name)
    return f"{m.group(1)}{m.group(2).translate(_SUB)}{m.group(3) or ''}" if m else name


def latex_name(name: str) -> str:
    """'h_1[0]' → 'h_{1}[0]', 'W_R[1,0]' → 'W_{R}[1,0]', 'h0[1]' → 'h_{0}[1]'."""
    m = re.fullmatch(r"([^\W\d_]+)(?:_?(\w+?))?(\[.*\])?", name)
    if not m:
        return _latex_text(name)
    base, sub, idx = m.group(1), m.group(2), m.group(3) or ""
    base = {"σ": "\\sigma", "λ": "\\lambda", "δ": "\\delta"}.get(base, base)
    return f"{base}_{{{sub}}}{idx}" if sub else f"{base}{idx}"


def _latex_text(s: str) -> str:
    return "\\text{" + re.sub(r"([{}\\#$%&_^~])", r"\\\1", s) + "}"


def point_matrices(point: dict) -> list[tuple[str, list[list[str]]]]:
    """Group a point's values ("W_R[0,1]": "1") into named matrices, every variable shown; '·' only for an
    entry the point does not give (it does not enter the claim)."""
    grouped: dict = {}
    for name, value in point.items():
        m = re.fullmatch(r"(.+)\[(\d+)(?:,(\d+))?\]", name)
        key, ij = (name, (0, 0)) if not m else (m.group(1), (int(m.group(2)), int(m.group(3) or 0)))
        grouped.setdefault(key, {})[ij] = value
    out = []
    for name in sorted(grouped):
        cells = grouped[name]
        rows = max(i for i, _ in cells) + 1
        cols = max(j for _, j in cells) + 1
        out.append((name, [[cells.get((i, j), "·") for j in range(cols)] for i in range(rows)]))
    return out


def _point_line(name: str, rows: list[list[str]]) -> Line:
    shown = [[c if c == "·" else math_text(parse(c) if parse(c) is not None else sp.Symbol(c)) for c in row]
             for row in rows]
    width = max(len(c) for row in shown for c in row)
    text = "; ".join(" ".join(c.rjust(width) for c in row) for row in shown)
    text = f"{name} = [{text}]" if len(rows) * len(rows[0]) > 1 else f"{name} = {text}"
    def cell(c):
        e = parse(c)
        return "\\cdot" if c == "·" else sp.latex(e) if e is not None else _latex_text(c)
    if len(rows) * len(rows[0]) > 1:
        body = " \\\\ ".join(" & ".join(cell(c) for c in row) for row in rows)
        tex = f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"
    else:
        tex = cell(rows[0][0])
    return Line(Kind.POINT, name, text, f"{latex_name(name)} = {tex}",
                tuple(Value(c) for row in rows for c in row if c != "·"))


def _sigma_lines(coeffs) -> list[Line]:
    if coeffs is None:
        return []
    x = sp.Symbol("x")
    poly = sp.expand(sum(c * x ** k for k, c in enumerate(coeffs)))
    return [Line(Kind.SIGMA, "witness σ", f"σ(x) = {math_text(poly)}", f"\\sigma(x) = {sp.latex(poly)}")]


# ----- derivatives and structure -----------------------------------------------

def _derivative(meaning: dict, i: int, j: int) -> tuple[str, str]:
    """(text, LaTeX) of what entry (i, j) of a derivative is: ∂h₁[0]/∂W_R[1,0], ∂f/∂x[1], ∂L/∂h₂[0]."""
    num, den = entry(meaning, i, j)
    d = "∂ₑ" if meaning["kind"] == "partial" else "∂"
    text = f"{d}{pretty_name(num)}/{d}{pretty_name(den)}"
    tex = f"\\frac{{\\partial {latex_name(num)}}}{{\\partial {latex_name(den)}}}"
    return text, tex


def _what(meaning: dict) -> str:
    """'lhs is the total derivative dh₁/dW_R; its columns follow vec(W_R) row-major', and the like."""
    side, kind, wrt = meaning["side"], meaning["kind"], meaning["wrt"]
    of = pretty_name(meaning["of"])
    if kind == "gradient":
        x = wrt["variable"]
        return (f"{side} is the gradient ∂f/∂{x} of the scalar f the check differentiates, shaped like {x} "
                f"(denominator layout)")
    if kind == "jacobian":
        return (f"{side} is the Jacobian of vec(F) with respect to vec({wrt['variable']}), F the matrix the check "
                f"differentiates, vec {wrt['vec']}, {wrt['jacobian']} layout")
    what = "the total derivative" if kind == "total" else "the explicit partial (previous state held fixed)"
    as_column = ""
    if meaning.get("transposed"):
        what, as_column = f"the transpose of {what}", " (a gradient, as a column)"
    defined = f"{as_column}, {meaning['defined']}" if meaning.get("defined") else as_column
    if "param" in wrt:
        w = wrt["param"]
        along = "rows" if meaning.get("transposed") else "columns"
        cols = f"; its {along} follow vec({w}) {wrt['layout']}" if wrt["shape"][1] > 1 else ""
        return f"{side} is {what} d{of}/d{w}{cols}{defined}"
    name, k = wrt["quantity"]
    return f"{side} is {what} d{of}/d{pretty_name(f'{name}_{k}')}{defined}"


def _block(meaning: dict, j: int) -> str | None:
    """The column block of column j in the layout's terms: 'W_R[1,·]' (row-major) or 'W_R[·,1]' (col-major)."""
    wrt = meaning["wrt"]
    if "param" not in wrt or wrt["shape"][1] == 1 or meaning.get("transposed"):
        return None
    m = re.fullmatch(r"(.+)\[(\d+),(\d+)\]", meaning["columns"][j])
    if not m:
        return None
    return f"{m.group(1)}[{m.group(2)},·]" if wrt["layout"] == "row-major" else f"{m.group(1)}[·,{m.group(3)}]"


def _structure_lines(structure: dict) -> list[Line]:
    """Which part of the sides differs at the point, from the exact evaluation the engine recorded."""
    differs = structure.get("differs")
    if differs is None:
        return []
    rows, cols = structure["shape"]
    meaning = structure.get("derivative")
    complete = structure.get("complete", True)
    scope = "" if complete else " (at least: not every entry was decided at the point)"
    if not differs:
        return []
    if meaning is None or _block(meaning, 0) is None:
        shown = ", ".join(f"({i}, {j})" for i, j, _, _ in differs[:6]) + (", …" if len(differs) > 6 else "")
        return [Line(Kind.DIFFERS, "differs", f"the sides differ at {len(differs)} of {rows * cols} entries"
                     f"{scope}: {shown}")]
    blocks: dict = {}
    for i, j in ((i, j) for i in range(rows) for j in range(cols)):
        blocks.setdefault((i, _block(meaning, j)), [])
    for i, j, lv, rv in differs:
        blocks[(i, _block(meaning, j))].append((j, lv, rv))
    bad = [k for k, v in blocks.items() if v]
    good = [k for k, v in blocks.items() if not v]
    name = lambda k: f"∂{pretty_name(meaning['rows'][k[0]])}/∂{k[1]}"
    unit = "row" if meaning["wrt"]["layout"] == "row-major" else "column"
    first = blocks[bad[0]]
    at = ", ".join(f"{pretty_name(meaning['rows'][bad[0][0]])} w.r.t. {meaning['columns'][j]}: lhs = {_short(lv)}, "
                   f"rhs = {_short(rv)}" for j, lv, rv in first[:2])
    listed = lambda ks: ", ".join(name(k) for k in ks[:4]) + (", …" if len(ks) > 4 else "")
    text = (f"at this point the sides differ in {len(bad)} of {len(blocks)} blocks{scope} (a block: one row of the "
            f"derivative × the columns of one {unit} of {meaning['wrt']['param']}, {meaning['wrt']['layout']}): "
            f"{listed(bad)}; first {name(bad[0])} ({at})" + (f"; they agree in {listed(good)}" if good and complete
                                                              else ""))
    return [Line(Kind.DIFFERS, "differs", text)]


def _short(v: str) -> str:
    e = parse(v)
    return math_text(e) if e is not None else v


# ----- the description ---------------------------------------------------------

def describe(r: Result) -> Evidence:
    """The evidence of a result with a counterexample, as typed lines (the one reading of a certificate)."""
    c = r.counterexample
    lines: list[Line] = []
    if c.size:
        size = ", ".join(f"{k} = {v}" for k, v in c.size.items())
        lines.append(Line(Kind.SIZE, "size", size, ", ".join(f"{k} = {v}" for k, v in c.size.items())))
    lines += _sigma_lines(c.sigma)
    if getattr(c, "loss", None) is not None:
        d = sp.Symbol("d")
        q = sp.expand(sum(k * d ** p for p, k in enumerate(c.loss)))
        lines.append(Line(Kind.LOSS, "witness loss", f"E(o, y) = Σ_i q(o_i − y_i), q(d) = {math_text(q)}",
                          f"E(o, y) = \\sum_i q(o_i - y_i),\\ q(d) = {sp.latex(q)}"))
    lines += [_point_line(name, rows) for name, rows in point_matrices(c.point)]
    seen = set()
    for note in c.notes:
        if note.startswith("hypothesis") and note not in seen:
            seen.add(note)
            lines.append(Line(Kind.HYPOTHESIS, "hypothesis", note.removeprefix("hypothesis ")))
    if c.kind == "identity":
        i, j = c.entry
        meaning = c.structure.get("derivative")
        if meaning is not None:
            d_text, d_tex = _derivative(meaning, i, j)
            lines.append(Line(Kind.ENTRY, f"entry ({i}, {j})", f"entry ({i}, {j}) = {d_text}  ({_what(meaning)})",
                              f"\\text{{entry }}({i}, {j}) = {d_tex}"))
        else:
            lines.append(Line(Kind.ENTRY, f"entry ({i}, {j})", f"entry ({i}, {j}) of the sides"))
        if getattr(c, "precision", None) is not None:  # a refutation in balls (kernel/balls.py): enclosures
            lines += [_side("lhs", Value("", c.lhs)), _side("rhs", Value("", c.rhs))]
        else:
            lines += [_side("lhs", Value(c.lhs)), _side("rhs", Value(c.rhs))]
        le, re_ = Value(c.lhs).expr(), Value(c.rhs).expr()
        if le is not None and re_ is not None and (le - re_).is_Rational:
            lines.append(_side("lhs − rhs", Value(sp.sstr(le - re_))))
        lines += _structure_lines(c.structure)
    elif c.kind == "relation":
        lines.append(Line(Kind.STEP, "failing step", c.step))
        exact = getattr(c, "exact", ("", ""))
        for side, ex, ball in (("lhs", exact[0], c.lhs), ("rhs", exact[1], c.rhs)):
            is_number = parse(ball) is not None  # an exact ball prints as its number
            lines.append(_side(side, Value(ex or (ball if is_number else ""), "" if is_number else ball)))
    else:
        lines.append(Line(Kind.STEP, "failing step", c.step))
        said = {"0": "→ 0", "inf": "→ ∞", "bounded": "stays bounded", "not0": "does not → 0"}.get(c.rhs, c.rhs)
        lines.append(Line(Kind.LIMIT, "limit", f"{c.lhs}; the claim says it {said}"))
        factor = Value(c.lhs_approx) if parse(c.lhs_approx) is not None else Value("", c.lhs_approx)
        lines.append(_side("growth factor per period", factor))
        poly = parse(c.rhs_approx)
        if poly is not None:
            lines.append(Line(Kind.LIMIT, "minimal polynomial", f"minimal polynomial of the sequence: {math_text(poly)}",
                              f"\\text{{minimal polynomial of the sequence: }} {sp.latex(poly)}"))
        if c.curve:
            lines.append(Line(Kind.CURVE, "‖X_q‖", f"‖X_q‖, q = 0…{len(c.curve) - 1}: {sparkline(c.curve)} "
                              f"({c.curve[0]:.3g} → {c.curve[-1]:.3g}; floats: a picture, not the evidence)"))
    if r.why:
        lines.append(Line(Kind.WHY, "why", r.why))
    lines.append(Line(Kind.CERTIFICATE, "certificate", r.certificate))
    dot = any(cell == "·" for _, rows in point_matrices(c.point) for row in rows for cell in row)
    return Evidence(r.id, tuple(lines), dot)


def _side(label: str, v: Value) -> Line:
    """'lhs = √2 ≈ 1.41421356237', or 'lhs ∈ [4.13 +/- 5.8e-13]' when only an enclosure is known."""
    text, tex = v.text(), v.latex()
    rel, trel = ("", "") if text.startswith("∈") else ("= ", "= ")
    words = "\\text{" + label.replace("−", "-") + "}"
    return Line(Kind.SIDE, label, f"{label} {rel}{text}", f"{words} {trel}{tex}", (v,))


def plain_lines(ev: Evidence) -> list[str]:
    """The evidence as plain text lines (the pytest failure, a log)."""
    prefix = {Kind.SIZE: "counterexample at ", Kind.SIGMA: "witness ", Kind.LOSS: "witness loss ", Kind.POINT: "  ", Kind.SIDE: "  ", Kind.HYPOTHESIS: "  hypothesis ",
              Kind.STEP: "failing step: ", Kind.WHY: "why: ", Kind.CERTIFICATE: "certificate: ", Kind.DIFFERS: "  "}
    return [prefix.get(ln.kind, "") + ln.text for ln in ev.lines]
