"""Whether a cookie gets the Secure attribute: one decision for every cookie the service sets.

Behind a TLS load balancer the request reaches us over plain HTTP; uvicorn's proxy-header
support turns a trusted proxy's X-Forwarded-Proto into the request's scheme, so "auto" sees
HTTPS there. `web.secure_cookies: always` covers proxies that send no such header.
"""

from __future__ import annotations

from fastapi import Request

from minsheng.services.bootstrap import App


def secure(request: Request) -> bool:
    app: App = request.app.state.app
    mode = app.settings.web.secure_cookies
    if mode == "always":
        return True
    if mode == "never":
        return False
    return request.url.scheme == "https"
