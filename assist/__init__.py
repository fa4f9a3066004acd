"""Assisted tagging (issue 10): the offline spaCy pipeline, stored analyses, technique mentions."""
