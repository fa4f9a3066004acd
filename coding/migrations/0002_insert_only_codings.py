"""Insert-only codings: text versions, lineage, history columns, one live row per span.

Existing rows get their transcript's study and current text version (live rows are on it:
corrections so far moved them in place), and a batch of their own when they had none.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Coding = apps.get_model("coding", "Coding")
    Transcript = apps.get_model("interviews", "Transcript")
    versions = dict(Transcript.objects.values_list("pk", "text_version"))
    studies = dict(Transcript.objects.values_list("pk", "study_id"))
    rows = list(Coding.objects.all())
    for row in rows:
        row.study_id = studies[row.transcript_id]
        row.text_version = versions[row.transcript_id]
        if row.batch is None:
            row.batch = uuid.uuid4()
        if row.retired_at is not None and row.retired_batch is None:
            row.retired_batch = uuid.uuid4()
    Coding.objects.bulk_update(rows, ["study", "text_version", "batch", "retired_batch"], batch_size=500)
    # The same code on the same span by the same coder twice was refused before; keep the oldest if any slipped in.
    seen = set()
    for row in Coding.objects.filter(retired_at__isnull=True).order_by("pk"):
        key = (row.transcript_id, row.code_id, row.coder_id, row.start, row.end)
        if key in seen:
            row.retired_at = row.created_at
            row.retired_batch = uuid.uuid4()
            row.save(update_fields=["retired_at", "retired_batch"])
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0001_initial"),
        ("interviews", "0001_initial"),
        ("studies", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(name="code", options={"ordering": ["order", "name"]}),
        migrations.AlterModelOptions(name="coding", options={}),
        migrations.RemoveIndex(model_name="coding", name="coding_codi_transcr_c07590_idx"),
        migrations.RemoveIndex(model_name="coding", name="coding_codi_code_id_041ff5_idx"),
        migrations.RenameField(model_name="coding", old_name="deleted_at", new_name="retired_at"),
        migrations.AddField(
            model_name="coding",
            name="study",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="studies.study"),
        ),
        migrations.AddField(
            model_name="coding",
            name="text_version",
            field=models.PositiveIntegerField(null=True, help_text="The transcript text version the offsets refer to."),
        ),
        migrations.AddField(
            model_name="coding",
            name="retired_batch",
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="coding",
            name="replaces",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="replaced_by", to="coding.coding"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="coding",
            name="study",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="studies.study"),
        ),
        migrations.AlterField(
            model_name="coding",
            name="text_version",
            field=models.PositiveIntegerField(help_text="The transcript text version the offsets refer to."),
        ),
        migrations.AlterField(
            model_name="coding",
            name="batch",
            field=models.UUIDField(db_index=True, default=uuid.uuid4),
        ),
        migrations.AddConstraint(
            model_name="coding",
            constraint=models.UniqueConstraint(condition=models.Q(("retired_at__isnull", True)), fields=("transcript", "text_version", "code", "coder", "start", "end"), name="coding_unique_live"),
        ),
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(condition=models.Q(("retired_at__isnull", True)), fields=["transcript", "start"], name="coding_live_text"),
        ),
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(condition=models.Q(("retired_at__isnull", True)), fields=["study", "code"], name="coding_live_study_code"),
        ),
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(condition=models.Q(("retired_at__isnull", True)), fields=["code", "transcript", "coder", "start"], name="coding_live_code"),
        ),
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(fields=["transcript", "retired_at"], name="coding_transcript_retired"),
        ),
    ]
