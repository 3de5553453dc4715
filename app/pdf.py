"""One WeasyPrint entry point. Its URL fetcher serves only the app's own static files:
a template can never make the server read a local file elsewhere or call out to another host."""
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from flask import current_app, make_response, render_template


def _fetcher_for(static_root):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_root).resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if path.is_file() and root in path.parents:
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
            raise ValueError(f"PDF may not load {url!r}")

    return StaticOnlyFetcher()


def _mime(path):
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}.get(
        path.suffix, "application/octet-stream")


def render_pdf(template, **context):
    """Render templates/<domain>/pdf/<name>.html to PDF bytes. The template links static files relatively
    (e.g. href="css/pdf.css"): the base URL is the static folder."""
    from weasyprint import HTML

    context.setdefault("printed_at", datetime.now())
    html = render_template(template, **context)
    static = Path(current_app.static_folder).resolve()
    base = "file://" + quote(str(static)) + "/"
    return HTML(string=html, base_url=base, url_fetcher=_fetcher_for(static)).write_pdf()


def pdf_response(data, filename, inline=True):
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    resp.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
