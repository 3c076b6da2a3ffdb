"""`GET /api/v1/health`: is the service up, how is the box, and what the governor did about it."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .http import Request, Route, json_response


def health(request: Request) -> Response:
    """The system figures (psutil), the resource profile in force, the governor's level and
    what it changed and why. Without a governor (an app outside the Service): status only."""
    body = {"status": "ok", "torrents": len(request.shared.engine.info_hashes())}
    found = request.shared.governor
    if found is not None:
        report = found.report()
        body.update(system=report.pop("figures"), profile=found.profile_report(),
                    governor=report)
    return json_response(body)


def routes() -> list[Route]:
    return [Route("/api/v1/health", health, "GET", group="health")]
