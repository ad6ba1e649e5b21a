"""Run kbsite as `python -m kbsite`."""

from kbsite.cli import run

run()
