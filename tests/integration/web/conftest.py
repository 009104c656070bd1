"""Fixtures for the web API: a TestClient on the service layer, staff accounts and cases."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factories
import pytest
from fastapi.testclient import TestClient

from case_store.models import Attachment
from case_store.repository import get_case
from minsheng.services.access import staff
from minsheng.services.bootstrap import App
from minsheng.services.casework import views
from minsheng.web.app import create_app


class Workspace:
    """A running API with helpers to add staff and cases the way operators and residents do."""

    def __init__(self, app: App, client: TestClient, files: Path) -> None:
        self.app = app
        self.client = client
        self.files = files
        self._count = 0

    def staff(self, role: str, department: str, name: str | None = None) -> dict[str, str]:
        """A new account; returns the Authorization header for it."""
        self._count += 1
        creds = staff.add_staff(
            self.app,
            name=name or f"{role} {self._count}",
            department=department,
            role=role,
            login=f"{department}.{role}.{self._count}",
        )
        return {"Authorization": f"Bearer {creds.token}"}

    def submit(
        self,
        text: str,
        domain: str,
        *,
        urgency: str = "normal",
        kind: str = "demand",
        resident: str | None = "tg-1001",
        name: str | None = "张先生",
        phone: str | None = None,
        **extra: Any,
    ) -> str:
        return factories.submit(
            self.app,
            text,
            domain,
            urgency=urgency,
            kind=kind,
            resident=resident,
            display_name=name,
            phone=phone,
            **extra,
        )

    def attach(self, reference: str, content: bytes, filename: str = "photo.jpg") -> None:
        """A photo stored under the project's files, as the chat channels keep them."""
        path = self.files / "attachments" / f"{reference}-{filename}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        with self.app.uow() as uow:
            case = get_case(uow.session, reference)
            uow.session.add(
                Attachment(
                    case_id=case.id,
                    at=self.app.now(),
                    kind="photo",
                    filename=filename,
                    content_type="image/jpeg",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    storage_path=str(path.relative_to(self.files)),
                )
            )
            uow.commit()

    def version(self, reference: str) -> int:
        return int(views.show(self.app, reference)["version"])


@pytest.fixture
def workspace(app: App, tmp_path: Path) -> Iterator[Workspace]:
    # Attachments live under the settings' base directory; point it at this test's folder.
    app.settings = app.settings.model_copy(update={"base_dir": tmp_path})
    with TestClient(create_app(app)) as client:
        yield Workspace(app, client, tmp_path)
