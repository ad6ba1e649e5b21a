"""The site stage: rendered notes -> Site: the index, links and the wiki index, the graph,
every page planned, redirects."""
