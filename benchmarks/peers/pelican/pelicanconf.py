"""Pelican settings for benchmarks/compare.py: the corpus's notes with Markdown + Pygments.

compare.py runs `pelican CONTENT -o OUTPUT -s pelicanconf.py`. Math: pelican-render-math when
installed (it shields `$...$` from Markdown and adds MathJax, which typesets in the reader's
browser, so it costs the build almost nothing); without it math is left raw.
"""

import importlib.util

SITENAME = "基准语料"
SITEURL = ""
AUTHOR = "bench"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = True
# Cold builds: no content cache (these are Pelican's defaults, stated so a reader need not look).
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Comparable pages: every note, the home list, categories and tags, paginated by 10, with feeds.
DEFAULT_PAGINATION = 10
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
FEED_ALL_ATOM = "atom.xml"
CATEGORY_FEED_ATOM = "{slug}/atom.xml"
TAG_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

PLUGINS = ["render_math"] if importlib.util.find_spec("pelican.plugins.render_math") else []
