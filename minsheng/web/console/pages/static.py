"""The console's own scripts and stylesheets under /console/static."""

from __future__ import annotations

from fastapi.responses import Response

from minsheng.web.console.common import STATIC, STATIC_TYPES, console_router, secure

router = console_router()


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC or path.suffix not in STATIC_TYPES or not path.is_file():
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    response = Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return secure(response)
