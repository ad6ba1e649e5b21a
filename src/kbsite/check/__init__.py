"""kbsite check: the links, anchors, images, feeds and sitemap of a built site."""
