"""Routes of the restructuring (filled in by the UI part)."""
