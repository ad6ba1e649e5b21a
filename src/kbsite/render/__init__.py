"""The render stage: Note -> RenderedNote (markdown, syntax/, highlight, excerpt, math/), through
the render cache."""
