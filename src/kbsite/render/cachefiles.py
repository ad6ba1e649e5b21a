"""Where a site keeps what builds leave for the next one: a module of its own, so the formula
process's prestart (kbsite.render.math.prestart) finds the render cache without importing it."""

CACHE_DIR = ".kbsite-cache"  # in the site folder: what builds keep for the next one
RENDER_CACHE = "render.sqlite3"  # in CACHE_DIR
