"""Writes for the coding workspace. Split by topic; import from the submodules."""
