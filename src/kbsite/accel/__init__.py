"""Speed pieces that copy or patch another library's internals (markdown-it, Pygments, Jinja).

Each gives the same output as the library's own code, and has a test that proves it.
"""
