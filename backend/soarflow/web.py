"""Serves the built frontend (frontend/dist): assets as files, every other page as index.html.
Public, like the sign-in page it contains: the data behind it is what needs signing in."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_from_directory

from soarflow.api.auth import PUBLIC, requires

NOT_BUILT = (
    "<!doctype html><title>soarflow</title><h1>soarflow</h1>"
    "<p>The web interface has not been built. Run <code>make run</code>, which builds it.</p>"
)


def init_app(app: Flask, frontend_dir: Path) -> None:
    bp = Blueprint("web", __name__)

    @bp.get("/")
    @bp.get("/<path:page>")
    @requires(PUBLIC)
    def page(page: str = "") -> Response | tuple[str, int]:
        if page.startswith("api/"):
            abort(404)
        candidate = frontend_dir / page
        if (
            page
            and candidate.is_file()
            and candidate.resolve().is_relative_to(frontend_dir.resolve())
        ):
            return send_from_directory(frontend_dir, page, max_age=_max_age(page))
        if not (frontend_dir / "index.html").is_file():
            return NOT_BUILT, 503
        response = send_from_directory(frontend_dir, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response

    app.register_blueprint(bp)


def _max_age(page: str) -> int:
    """Vite puts a content hash in every asset name under assets/, so they never go stale."""
    return 31536000 if page.startswith("assets/") else 0
