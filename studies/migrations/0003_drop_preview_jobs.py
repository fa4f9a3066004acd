"""Import previews were kept as Job rows that were never queued (kinds participant_table and
codebook_import); they now live in StagedUpload. The old rows, and their uploaded files, go."""

from django.db import migrations

PREVIEW_KINDS = ["participant_table", "codebook_import"]


def drop_preview_jobs(apps, schema_editor):
    Job = apps.get_model("studies", "Job")
    for job in Job.objects.filter(kind__in=PREVIEW_KINDS).exclude(input_file=""):
        job.input_file.delete(save=False)
    Job.objects.filter(kind__in=PREVIEW_KINDS).delete()


class Migration(migrations.Migration):
    dependencies = [("studies", "0002_job_kinds_and_staged_uploads")]

    operations = [migrations.RunPython(drop_preview_jobs, migrations.RunPython.noop)]
