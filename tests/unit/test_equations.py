"""Equation numbers, \\label, \\eqref and \\ref within a note (issue 20, item 4)."""

from __future__ import annotations

import re

from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas

NOTE = r"""见式 \eqref{eq:elbo} 与 $\ref{eq:kl}$，未知 $\eqref{eq:nope}$，行内 $x = \eqref{eq:elbo}$。

\begin{equation}
\log p(x) \ge \mathcal{L} \label{eq:elbo}
\end{equation}

$$
\begin{align}
a &= b \label{eq:kl} \\
c &= d \notag \\
e &= f \tag{A} \label{eq:a} \\
g &= h \nonumber
\end{align}
$$

$$\begin{gather*} y = 1 \\ z = 2 \end{gather*}$$

\begin{align*}
u &= v \label{eq:kl}
\end{align*}

\begin{multline}
a + b \\ + c
\end{multline}
"""


def _numbers(html: str) -> list[str]:
    """The numbers shown at the right of rows, in order ("" for a row without one)."""
    return re.findall(r'class="eqn-num"[^>]*>(?:<mtext>([^<]*)</mtext>)?</mtd>', html)


def test_rows_are_numbered_as_amsmath_numbers_them(formulas: Formulas) -> None:
    html = render_markdown(NOTE, math=formulas, path="content/n.md", first_line=1).html
    # equation (1); align: (2), \notag, \tag{A}, \nonumber; gather* none; multline (3).
    assert _numbers(html) == ["(1)", "(2)", "", "(A)", "", "(3)"]
    assert 'id="eq:elbo"><mtext>(1)' in html and 'id="eq:a"><mtext>(A)' in html
    assert r"\label" not in html.split("<annotation")[0]


def test_references_read_the_number_and_link_to_the_row(formulas: Formulas) -> None:
    html = render_markdown(NOTE, math=formulas, path="content/n.md", first_line=1).html
    assert '见式 <a class="eqref" href="#eq:elbo">(1)</a>' in html
    assert '<a class="eqref" href="#eq:kl">2</a>' in html
    assert '<span class="eqref">(??)</span>' in html  # as LaTeX prints an unknown label
    assert "<mtext>(1)</mtext></mrow>" in html  # inside a larger formula: the number as text


def test_unknown_and_twice_defined_labels_warn_with_their_line(formulas: Formulas) -> None:
    result = render_markdown(NOTE, math=formulas, path="content/n.md", first_line=3)
    assert [str(d) for d in result.diagnostics] == [
        "content/n.md:3: warning: math: no equation labelled 'eq:nope' in this note",
        "content/n.md:20: warning: math: equation label 'eq:kl' is defined twice (first at line 9)",
    ]


def test_labelled_rows_are_anchors_of_the_note(formulas: Formulas) -> None:
    result = render_markdown(NOTE, math=formulas, path="content/n.md", first_line=1)
    assert {"eq:elbo", "eq:kl", "eq:a"} <= set(result.anchors)


def test_numbers_restart_in_each_note(formulas: Formulas) -> None:
    body = "\\begin{equation}\nx\n\\end{equation}\n"
    for _ in range(2):
        html = render_markdown(body, math=formulas, path="content/m.md", first_line=1).html
        assert _numbers(html) == ["(1)"]
