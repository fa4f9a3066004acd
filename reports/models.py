"""Filled by a later issue (see ../shared/ROADMAP.md)."""
