import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Import shap and load the explainer sandbox's models now, off the request path.
from explainers.sandbox.warm import warm_up_in_background  # noqa: E402

warm_up_in_background()
