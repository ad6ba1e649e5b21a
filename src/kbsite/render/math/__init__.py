"""TeX math -> MathML: the syntax, KaTeX and its engines, the formula process that runs them,
equation numbering and the lowering to MathML Core. Nothing outside knows an engine exists."""
