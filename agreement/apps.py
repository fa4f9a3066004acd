from django.apps import AppConfig


class AgreementConfig(AppConfig):
    """Intercoder agreement: unit construction, the coefficients and the report (no models)."""

    name = "agreement"
    verbose_name = "Intercoder agreement"
