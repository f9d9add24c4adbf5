"""gunicorn entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from hotline import create_app

app = create_app()
