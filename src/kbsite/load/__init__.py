"""The load stage: the content folder -> Note, with front matter, fields and dates checked."""
