"""Rendering results, one module per format: terminal, explain, JSON, Markdown, JUnit.

Rendering is apart from deciding: these functions take the engine's results
and never compute a verdict.
"""
from .common import reproduce_command, sparkline, tally
from .evidence import Evidence, describe, point_matrices
from .explain import explain, worked_counterexample
from .html import to_html
from .jsonfmt import to_json
from .junit import to_junit
from .markdown import to_markdown
from .terminal import counterexample_panel, render, steps_table, summary_table

__all__ = ["Evidence", "counterexample_panel", "describe", "explain", "point_matrices", "render", "reproduce_command", "sparkline",
           "steps_table", "summary_table", "tally", "to_html", "to_json", "to_junit", "to_markdown", "worked_counterexample"]
