"""WSGI entry point: `gunicorn wsgi:app`."""
from app import create_app, tune_gc

app = create_app()
tune_gc(app)
