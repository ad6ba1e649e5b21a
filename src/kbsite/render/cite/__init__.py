"""Citations (issue 19): a note's cited works formatted with a CSL style (citeproc-py).

settings: what a site's citations render with (part of each note's cache key);
process: citeproc-py behind two functions; entries: an entry's HTML (links) and its paper card.
The `[@key]` syntax itself is kbsite.render.syntax.citations.
"""
