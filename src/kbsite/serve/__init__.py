"""kbsite serve: the preview server, the watcher, live-reload events and the quick page."""
