"""Typed FastAPI dependencies: the service layer's App and the authenticated staff member."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from minsheng.services.access.staff import StaffMember, authenticate_token
from minsheng.services.bootstrap import App


def get_app(request: Request) -> App:
    app: App = request.app.state.app
    return app


AppDep = Annotated[App, Depends(get_app)]

# auto_error=False: a missing header becomes our 401 with {"detail": ...}, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="a staff token from `minsheng staff add`")


def get_current_staff(
    app: AppDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffMember:
    return authenticate_token(app, credentials.credentials if credentials else None)


CurrentStaff = Annotated[StaffMember, Depends(get_current_staff)]
