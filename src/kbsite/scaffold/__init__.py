"""`kbsite init` and `kbsite new`: a new site from the starter files, a new note."""
