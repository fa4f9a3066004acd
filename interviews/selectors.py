from __future__ import annotations

import pandas as pd
from django.db.models import Prefetch, QuerySet

from studies.models import Study

from .models import Attribute, AttributeValue, Participant


def study_attributes(*, study: Study) -> QuerySet[Attribute]:
    return Attribute.objects.filter(study=study).order_by("order", "name")


def participants_with_values(*, study: Study) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(study=study)
        .prefetch_related(Prefetch("values", queryset=AttributeValue.objects.select_related("attribute")))
        .order_by("label")
    )


def participant_table(*, study: Study) -> pd.DataFrame:
    """One row per participant, one column per attribute (display values).

    The participants page and the CSV/XLSX export both use this frame.
    """
    attributes = list(study_attributes(study=study))
    rows = []
    for participant in participants_with_values(study=study):
        by_attr = {value.attribute_id: value.display for value in participant.values.all()}
        row: dict[str, str] = {"id": participant.label}
        for attribute in attributes:
            row[attribute.name] = by_attr.get(attribute.pk, "")
        row["notes"] = participant.notes
        rows.append(row)
    columns = ["id", *[a.name for a in attributes], "notes"]
    return pd.DataFrame(rows, columns=columns)
