"""Reads of the coding workspace, by concern.

- `visibility`: who sees which coding, the one rule every read of codings goes through;
- `codebook`: the code tree with counts;
- `payloads`: the reader's JSON and poll;
- `reader`: everything the transcript reader shows;
- `retrieval`: coded segments by codes and attributes, paged in SQL;
- `search`: keyword in context and search patterns;
- `training`: codings as training data for code suggestions.
"""

from .codebook import CodeRow, codebook_tree, study_codes
from .payloads import code_payload, coding_changes_since, coding_payload
from .reader import reader_context
from .retrieval import (
    RetrievalQuery,
    Segment,
    SegmentPage,
    filtered_codings,
    find_segments,
    segment_page,
    segments_frame,
)
from .search import MAX_HITS, Hit, PatternError, compile_pattern, search_hits
from .training import training_codings
from .visibility import (
    code_coding_count,
    coding_counts,
    codings_by_uuid,
    has_visible_codings,
    transcript_codings,
    visible_coding,
    visible_codings,
)

__all__ = [
    "MAX_HITS",
    "CodeRow",
    "Hit",
    "PatternError",
    "RetrievalQuery",
    "Segment",
    "SegmentPage",
    "code_coding_count",
    "code_payload",
    "codebook_tree",
    "coding_changes_since",
    "coding_counts",
    "coding_payload",
    "codings_by_uuid",
    "compile_pattern",
    "filtered_codings",
    "find_segments",
    "has_visible_codings",
    "reader_context",
    "search_hits",
    "segment_page",
    "segments_frame",
    "study_codes",
    "training_codings",
    "transcript_codings",
    "visible_coding",
    "visible_codings",
]
