"""Run kbsite as `python -m kbsite`."""

from kbsite.cli import main

raise SystemExit(main())
