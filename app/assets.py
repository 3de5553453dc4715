"""Static assets under content-hashed URLs, cached immutably: a changed file gets a new address."""
import hashlib
import mimetypes
from pathlib import Path

from flask import Response, abort, current_app, url_for
from werkzeug.security import safe_join

HTMX_FILE = "js/htmx-2.0.8.min.js"
ASSETS = ("css/app.css", "css/print.css", HTMX_FILE, "js/app.js")


def _asset_hashes(app):
    hashes = {}
    for name in ASSETS:
        path = Path(app.static_folder) / name
        if path.exists():
            hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes


def asset_url(name):
    h = current_app.extensions["asset_hashes"].get(name, "0")
    return url_for("asset", digest=h, filename=name)


def init_assets(app):
    app.extensions["asset_hashes"] = _asset_hashes(app)

    @app.route("/assets/<digest>/<path:filename>")
    def asset(digest, filename):
        # The digest is part of the name, so a changed file gets a new URL: cache forever.
        # Read into memory (the files are small) so Flask-Compress can gzip them.
        path = safe_join(app.static_folder, filename)
        if path is None or not Path(path).is_file():
            abort(404)
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        resp = Response(Path(path).read_bytes(), mimetype=mimetype)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return resp

    app.jinja_env.globals.update(asset_url=asset_url, HTMX_FILE=HTMX_FILE)
