"""Loading and checking the content files an agency edits (checklist, resources, scripts, guidance)."""
