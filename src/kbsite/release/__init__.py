"""Which kbsite this is: what `kbsite --version` reports, and the pin `kbsite init` writes.

A package of its own, beside the commands that use it, because both answers are about the
installed release, not about building a site.
"""
