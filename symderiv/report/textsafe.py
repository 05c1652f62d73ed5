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
