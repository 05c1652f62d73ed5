"""The HTML report: one self-contained page a reviewer opens offline.

* Mathematics is set by KaTeX, bundled with symderiv (``static/katex``, from
  the npm registry's ``katex`` package, MIT) and inlined into the page, fonts
  as ``data:`` URIs: the file renders without a network, never from a CDN.
* One section per claim: its statement, conventions, verdict and scope, the
  verdict at each size, a chain's steps, and, folded, the worked
  counterexample (the ``explain`` steps, from :func:`.evidence.describe`).
* A navigation list and a filter by outcome (as expected / differs / error);
  colour tells the outcome, not the verdict (an expected ``fails`` is green).

Rendering only: nothing here computes a verdict. Every piece of text is
HTML-escaped; LaTeX travels in a ``data-tex`` attribute and is set by
``katex.render`` (no delimiter scanning of the page's text).
"""
from __future__ import annotations

import base64
import html
import re
from functools import lru_cache
from pathlib import Path

from ..results import Result, Verdict
from .common import reproduce_command, summary_line
from .evidence import Kind, describe
from .explain import VERB

STATIC = Path(__file__).resolve().parent / "static" / "katex"


def outcome(r: Result) -> str:
    """The filter's classes: ``expected`` (green), ``differs`` (red), ``error`` (magenta, an unexpected error)."""
    if r.as_expected:
        return "expected"
    return "error" if r.verdict == Verdict.ERROR else "differs"


@lru_cache(maxsize=1)
def _katex() -> tuple[str, str]:
    """(KaTeX's CSS with its woff2 fonts inlined, KaTeX's script)."""
    css = (STATIC / "katex.min.css").read_text(encoding="utf-8")

    def inline(m: re.Match) -> str:
        font = STATIC / "fonts" / m.group(1)
        data = base64.b64encode(font.read_bytes()).decode("ascii")
        return f'url(data:font/woff2;base64,{data}) format("woff2")'

    # each @font-face lists woff2, woff and ttf: keep the woff2 (every current browser reads it), inlined
    css = re.sub(r'url\(fonts/([\w-]+\.woff2)\) format\("woff2"\)(,url\(fonts/[^)]+\) format\("[a-z]+"\))*',
                 inline, css)
    return css, (STATIC / "katex.min.js").read_text(encoding="utf-8")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _tex(latex: str, display: bool = False) -> str:
    tag = "div" if display else "span"
    return f'<{tag} class="tex{" display" if display else ""}" data-tex="{_e(latex)}">{_e(latex)}</{tag}>'


def _slug(cid: str) -> str:
    return "claim-" + re.sub(r"[^A-Za-z0-9_.-]", "-", cid)


def _worked(r: Result, meta: dict) -> str:
    """The explain steps of a counterexample, numbered, with their mathematics set."""
    ev = describe(r)
    items, extra = [], []
    if r.counterexample.kind == "identity" and not ev.of(Kind.SIZE):
        items.append("Take the claim's fixed values.")
    for ln in ev.lines:
        body = _tex(ln.latex, display=ln.kind == Kind.POINT) if ln.latex else _e(ln.text)
        verb = VERB[ln.kind]
        if verb.startswith("   "):  # a side, limit or curve: under the step it belongs to
            extra.append(body)
            if items:
                items[-1] += f"<div class='sub'>{body}</div>"
            continue
        head, _, tail = verb.partition("{}")
        text = _e(head) + body + ("" if ln.kind == Kind.POINT else _e(tail))  # no stray '.' under a display
        if ln.kind == Kind.ENTRY:
            text = text.rstrip(".") + " and evaluate both sides exactly:"
        items.append(text)
    lis = "".join(f"<li>{i}</li>" for i in items)
    dot = "<p class='dim'>(· = an entry that does not enter the claim)</p>" if ev.uses_dot else ""
    return (f"<details class='counterexample'><summary>counterexample, worked out</summary><ol>{lis}</ol>{dot}"
            f"<p class='dim'>reproduce: <code>{_e(reproduce_command(r, meta))}</code></p></details>")


def _section(r: Result, by_id: dict, meta: dict) -> str:
    out = [f"<section id='{_slug(r.id)}' class='claim {outcome(r)}' data-outcome='{outcome(r)}'>",
           f"<h2><code>{_e(r.id)}</code> <span class='verdict'>{_e(r.verdict.value)}</span>"
           + (f" <span class='where'>{_e(r.proof_reach)}</span>" if r.proof_reach else "") +
           f"<span class='expect'>{'✓' if r.as_expected else '(expected ' + _e(r.wanted.value) + ')'}</span></h2>",
           f"<p class='where'>{_e(r.where)} · <code>{_e(r.source)}</code></p>",
           f"<blockquote>{_e(r.statement)}</blockquote>"]
    if r.conventions:
        out.append("<p class='conv'>conventions: " + "; ".join(f"<b>{_e(k)}</b>: {_e(v)}"
                                                              for k, v in r.conventions.items()) + "</p>")
    out.append(f"<p class='scope'>{_e(r.error or r.scope)}</p>")
    if r.why:
        out.append(f"<p class='why'>why it fails: {_e(r.why)}</p>")
    if r.members:
        out.append("<ul class='members'>" + "".join(
            f"<li><a href='#{_slug(m)}'><code>{_e(m)}</code></a>: {_e(by_id[m].verdict.value)}</li>"
            for m in r.members if m in by_id) + "</ul>")
    if r.sizes:
        rows = "".join(f"<tr><td>{_e(', '.join(f'{k} = {v}' for k, v in o.size.items()) or '—')}</td>"
                       f"<td class='v-{_e(o.status.value)}'>{_e(o.status.value)}</td><td>{_e(o.detail)}</td>"
                       f"<td>{o.seconds:.2f}</td></tr>" for o in r.sizes)
        out.append("<details><summary>each size</summary><table><tr><th>size</th><th>result</th><th>detail</th>"
                   f"<th>s</th></tr>{rows}</table></details>")
    if r.steps:
        rows = "".join(f"<tr><td>{_e(s.label)}</td><td class='v-{_e(s.verdict.value)}'>{_e(s.verdict.value)}</td>"
                       f"<td>{_e(s.detail)}</td></tr>" for s in r.steps)
        out.append(f"<table class='steps'><tr><th>step</th><th>verdict</th><th>detail</th></tr>{rows}</table>")
    if r.counterexample is not None and not r.members:
        out.append(_worked(r, meta))
    out.append("</section>")
    return "\n".join(out)


CSS = """
body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#222}
nav{width:22rem;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #ddd;padding:.5rem;
    font-size:.85rem;box-sizing:border-box}
nav a{display:block;text-decoration:none;padding:1px 4px;border-left:4px solid transparent}
main{flex:1;padding:1rem 2rem;max-width:70rem}
.expected{--c:#1a7f37}.differs{--c:#cf222e}.error{--c:#a0359c}
nav a.expected,nav a.differs,nav a.error{border-left-color:var(--c);color:#222}
section.claim{border-left:6px solid var(--c);padding:.2rem 1rem;margin:1rem 0;background:#fafafa}
section.claim h2{font-size:1.05rem}.verdict{color:var(--c);margin-left:.5rem}.expect{margin-left:.4rem;color:var(--c)}
.dim,.where{color:#666;font-size:.85rem}.scope{white-space:pre-wrap}
.v-holds{color:#1a7f37}.v-fails{color:#cf222e}.v-undecided{color:#9a6700}.v-error{color:#a0359c}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top}
.filters button{margin-right:.3rem}.filters button.on{font-weight:bold}
.hidden{display:none !important}.tex.display{margin:.3rem 0}.sub{margin-left:1rem}
.summary.well{color:#1a7f37}.summary.off{color:#cf222e}
"""

SCRIPT = """
document.querySelectorAll('.tex').forEach(function(el){
  try{katex.render(el.dataset.tex, el, {displayMode: el.classList.contains('display'), throwOnError: false});}
  catch(e){}
});
function show(which){
  document.querySelectorAll('.filters button').forEach(function(b){b.classList.toggle('on', b.dataset.f===which);});
  document.querySelectorAll('main [data-outcome], nav [data-outcome]').forEach(function(el){
    el.classList.toggle('hidden', which !== 'all' && el.dataset.outcome !== which);
  });
}
document.querySelectorAll('.filters button').forEach(function(b){b.onclick=function(){show(b.dataset.f);};});
// a link to one claim (report.html#claim-ID) shows that claim alone, its counterexample opened ('all' shows the rest)
function only(id){
  var target = document.getElementById(id);
  if (!target) return;
  document.querySelectorAll('main [data-outcome]').forEach(function(el){ el.classList.toggle('hidden', el !== target); });
  target.querySelectorAll('details').forEach(function(d){ d.open = true; });
}
if (location.hash) only(decodeURIComponent(location.hash.slice(1)));
window.addEventListener('hashchange', function(){ only(decodeURIComponent(location.hash.slice(1))); });
"""


def to_html(results: list[Result], errors: list, meta: dict) -> str:
    """The whole report as one self-contained HTML page (see the module docstring)."""
    css, js = _katex()
    by_id = {r.id: r for r in results}
    counts = {k: sum(outcome(r) == k for r in results) for k in ("expected", "differs", "error")}
    line, well = summary_line(results, errors)
    nav = "".join(f"<a href='#{_slug(r.id)}' class='{outcome(r)}' data-outcome='{outcome(r)}'>"
                  f"{'&nbsp;&nbsp;' if r.group else ''}{_e(r.id)} · {_e(r.verdict.value)}</a>" for r in results)
    filters = "".join(f"<button data-f='{k}'>{label} ({n})</button>" for k, label, n in (
        ("all", "all", len(results)), ("expected", "as expected", counts["expected"]),
        ("differs", "differs", counts["differs"]), ("error", "error", counts["error"])))
    errs = "".join(f"<p class='claim error' data-outcome='error'>proof file error: <code>{_e(p)}</code>: {_e(c)}</p>"
                   for p, c in errors)
    body = "\n".join(_section(r, by_id, meta) for r in results)
    meta_line = " · ".join(f"{_e(k)} {_e(v)}" for k, v in meta.items())
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>symderiv audit</title>"
            f"<style>{css}</style><style>{CSS}</style></head><body>"
            f"<nav><b>claims</b>{nav}</nav><main><h1>symderiv audit</h1><p class='dim'>{meta_line}</p>"
            f"<p class='summary {'well' if well else 'off'}'>{_e(line)}</p>"
            f"<div class='filters'>{filters}</div>{errs}{body}</main>"
            f"<script>{js}</script><script>{SCRIPT}</script></body></html>\n")
