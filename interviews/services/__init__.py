"""Writes for the corpus. Split by topic; import from the submodules."""
