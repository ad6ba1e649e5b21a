"""The write stage: Site -> files: templates and the theme, page rendering, feeds and extras,
the search index, and the output folder written whole or not at all."""
