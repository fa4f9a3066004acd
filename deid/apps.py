from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger("deid")


class DeidConfig(AppConfig):
    """De-identification: proposals of names, organisations, places and contact details to replace
    with consistent pseudonyms, applied and reverted as transcript text versions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "deid"
    verbose_name = "De-identification"

    def ready(self) -> None:
        # Checked once at start-up, without importing the model (that would load spaCy into every
        # web process): its installed meta.json must say 3.8.0, or NER stays off.
        from .detect import ner_status

        status = ner_status()
        if "required" in status.reason:
            logger.warning("De-identification: NER refused: %s", status.reason)
        elif status.available:
            logger.info("De-identification: NER on (%s)", status.reason)
        else:
            logger.info("De-identification: NER off: %s; gazetteer, patterns and heuristics only", status.reason)
