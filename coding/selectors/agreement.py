"""The one read of codings for intercoder agreement (`agreement.units`, `agreement.report`).

Agreement compares coders, so unlike the other reads it keeps who coded each span and asks for
chosen coders, transcripts and codes only. It starts from the visibility rule like every read:
what a blind round hides from `user` is hidden from their agreement figures too. `user=None` is
the command line (`manage.py agreement`), run by someone with the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from studies.models import Study

from .analysis import integer_frame
from .visibility import visible_codings_of_live_codes

AGREEMENT_COLUMNS = ("transcript_id", "code_id", "coder_id", "start", "end")


def agreement_codings(
    *, study: Study, user: Any, coder_ids: Sequence[int], transcript_ids: Sequence[int], code_ids: Sequence[int]
) -> pd.DataFrame:
    """Live codings by `coder_ids` of `code_ids` (live codes the caller took from the codebook) in
    `transcript_ids`, as int64 columns (transcript_id, code_id, coder_id, start, end): one query."""
    queryset = (
        visible_codings_of_live_codes(study=study, user=user, code_ids=list(code_ids))
        .filter(coder_id__in=list(coder_ids), transcript_id__in=list(transcript_ids))
        .order_by()
        .values_list(*AGREEMENT_COLUMNS)
    )
    return integer_frame(queryset, AGREEMENT_COLUMNS)
