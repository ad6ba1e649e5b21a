"""Jupyter notebooks on the page (issue 24): code cells with their prompts, and the outputs
the notebook saved (kbsite.load.notebookoutputs chose them), rendered at build time."""
