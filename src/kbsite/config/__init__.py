"""The config stage: site.yaml -> SiteConfig, and the UI strings of the site's language."""
