"""Any stdout encoding works: what a non-UTF-8 stream cannot encode is written in ASCII.

``PYTHONIOENCODING=cp1252`` (or a Windows console, or ``LANG=C``) cannot
encode σ, ⊗, ‖ or ✓. Rather than crash, the stream is reconfigured with the
``symderiv-ascii`` error handler: each such character becomes an ASCII
rendering (σ → sigma, ≤ → <=, ∂ → del as AsciiMath writes it, so that a partial
derivative never reads as a total one, ²  → ^2, …; a letter with an accent
loses it; anything else is its ``\\N{NAME}``-free ``U+XXXX``). A mark that sits in
a table cell keeps its one column (✓ → +, ✗ → x), so the table stays aligned. The JSON
report does not need it: it is written with ``ensure_ascii`` on such a stream,
which loses nothing.
"""
from __future__ import annotations

import codecs
import sys
import unicodedata

#: the report's non-ASCII characters, written in ASCII
ASCII = {
    "σ": "sigma", "Σ": "Sigma", "λ": "lambda", "ρ": "rho", "γ": "gamma", "α": "alpha", "β": "beta", "δ": "delta",
    "ε": "eps", "θ": "theta", "μ": "mu", "π": "pi", "τ": "tau", "φ": "phi", "ω": "omega", "η": "eta", "ξ": "xi",
    "Δ": "Delta", "∂": "del", "∇": "grad", "∞": "inf", "√": "sqrt", "∑": "sum", "∏": "prod",
    "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "∈": " in ", "±": "+/-", "×": "x", "·": ".", "∘": "o",
    "⊗": "(x)", "⊙": "(.)", "⊕": "(+)", "‖": "||", "ᵀ": "^T", "⁻": "^-", "¹": "^1", "²": "^2", "³": "^3",
    "⁰": "^0", "₀": "_0", "₁": "_1", "₂": "_2", "₃": "_3", "ₜ": "_t", "ₖ": "_k", "ᵢ": "_i",
    "✓": "+", "✗": "x", "✔": "+", "✘": "x", "→": "->", "←": "<-", "⇒": "=>", "↦": "|->", "…": "...",
    "—": "--", "–": "-", "−": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "§": "S", "•": "*", "≡": "==",
    "▁": "_", "▂": "_", "▃": "-", "▄": "-", "▅": "=", "▆": "=", "▇": "#", "█": "#", "␣": " ",
    "─": "-", "━": "-", "│": "|", "┃": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+",
    "┬": "+", "┴": "+", "┼": "+", "╭": "+", "╮": "+", "╰": "+", "╯": "+", "═": "=", "║": "|",
}
NAME = "symderiv-ascii"


def ascii_of(ch: str) -> str:
    if ch in ASCII:
        return ASCII[ch]
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    return plain or f"U+{ord(ch):04X}"


def _handler(err: UnicodeEncodeError):
    return "".join(ascii_of(c) for c in err.object[err.start:err.end]), err.end


codecs.register_error(NAME, _handler)


def can_encode(stream, sample: str = "σ⊗‖✓≤…") -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        sample.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def make_safe(stream=None) -> bool:
    """Give ``stream`` (stdout) the ASCII fallback if it cannot encode the report; True when it could not."""
    stream = stream if stream is not None else sys.stdout
    if can_encode(stream):
        return False
    try:
        stream.reconfigure(errors=NAME)
    except (AttributeError, ValueError):  # not a TextIOWrapper (a test's capture): leave it alone
        pass
    return True


def transliterate(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` cannot write replaced by its ASCII rendering."""
    out = []
    for c in text:
        try:
            c.encode(encoding)
            out.append(c)
        except UnicodeEncodeError:
            out.append(ascii_of(c))
    return "".join(out)


def transliterating_hook(encoding: str):
    """A rich render hook that writes the report's text in what ``encoding`` can encode *before* rich lays it
    out: a table measured on σ but printed as 'sigma' would lose its alignment; measured on 'sigma', it keeps it.
    Tables, panels, groups and texts are walked; styles are kept span by span."""
    from rich.console import Group, RenderHook
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Span, Text

    def text(t):
        if isinstance(t, str):
            return transliterate(t, encoding)
        if not isinstance(t, Text) or t.plain == transliterate(t.plain, encoding):
            return t
        cuts = sorted({s.start for s in t.spans} | {s.end for s in t.spans})
        out = Text(style=t.style, justify=t.justify, overflow=t.overflow, no_wrap=t.no_wrap, end=t.end)
        for piece in t.divide(cuts):
            plain = transliterate(piece.plain, encoding)
            out.append_text(Text(plain, style=piece.style, spans=[Span(0, len(plain), s.style) for s in piece.spans]))
        return out

    def walk(r):
        if isinstance(r, (str, Text)):
            return text(r)
        if isinstance(r, Table):
            r.title = text(r.title) if r.title is not None else None
            for col in r.columns:
                col.header = text(col.header)
                col._cells = [walk(c) for c in col._cells]
            return r
        if isinstance(r, Panel):
            r.renderable = walk(r.renderable)
            r.title = text(r.title) if r.title is not None else None
            return r
        if isinstance(r, Group):
            r._renderables = [walk(x) for x in r._renderables]
            return r
        return r

    class Hook(RenderHook):
        def process_renderables(self, renderables):
            return [walk(r) for r in renderables]

    return Hook()
