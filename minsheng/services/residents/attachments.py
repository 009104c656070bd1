"""Photos, documents and shared locations that come with a case.

Files are stored by content under `<var>/attachments/<first two hex digits>/<sha256>`, outside
the database; the `attachments` row keeps the kind, the resident's file name, type, size,
hash and that relative path. A location is a row with coordinates and no file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from case_store import repository
from case_store.models import Attachment, Case
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App

KINDS = ("photo", "document", "location")
_SAFE_NAME = re.compile(r"[^\w.\- ()\u3400-\u9fff]+")


class TooLarge(ValueError):
    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"larger than {limit_bytes} bytes")


@dataclass(frozen=True)
class StoredFile:
    kind: str
    filename: str | None
    content_type: str | None
    size: int
    sha256: str
    storage_path: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def root(settings: Settings) -> Path:
    return settings.var_dir / "attachments"


def limit_for(settings: Settings, kind: str) -> int:
    cfg = settings.attachments
    return cfg.max_photo_bytes if kind == "photo" else cfg.max_document_bytes


def safe_filename(name: str | None) -> str | None:
    """A display name without path parts or odd characters (it is never used as a path)."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip(" ._")[:200]
    return cleaned or None


def store_bytes(
    settings: Settings,
    data: bytes,
    *,
    kind: str,
    filename: str | None = None,
    content_type: str | None = None,
) -> StoredFile:
    """Write the file once under its hash; the same bytes sent twice share one file."""
    if kind not in ("photo", "document"):
        raise ValueError(f"unknown file kind {kind!r}")
    limit = limit_for(settings, kind)
    if len(data) > limit:
        raise TooLarge(limit)
    digest = hashlib.sha256(data).hexdigest()
    relative = f"attachments/{digest[:2]}/{digest}"
    target = settings.var_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary name and rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return StoredFile(
        kind=kind,
        filename=safe_filename(filename),
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        sha256=digest,
        storage_path=relative,
    )


def path_of(settings: Settings, storage_path: str) -> Path:
    """The file behind a stored path; refuses anything that would leave the attachments root."""
    base = root(settings).resolve()
    candidate = (settings.var_dir / storage_path).resolve()
    if base not in candidate.parents:
        raise ValueError("not an attachment path")
    return candidate


def add_to_case(
    session: Session,
    settings: Settings,
    case: Case,
    files: Iterable[Mapping[str, Any]],
    now: dt.datetime,
    location: tuple[float, float] | None = None,
) -> int:
    """Attach stored files (and a shared location) to a case, up to the configured number."""
    room = settings.attachments.max_per_case - int(
        session.scalar(select(func.count(Attachment.id)).where(Attachment.case_id == case.id)) or 0
    )
    added = 0
    if location is not None and room > 0:
        session.add(
            Attachment(
                case=case,
                at=now,
                kind="location",
                size=0,
                latitude=float(location[0]),
                longitude=float(location[1]),
            )
        )
        added += 1
    seen: set[str] = set()
    for item in files:
        if added >= room:
            break
        sha = str(item.get("sha256") or "")
        if not sha or sha in seen or item.get("kind") not in ("photo", "document"):
            continue
        seen.add(sha)
        session.add(
            Attachment(
                case=case,
                at=now,
                kind=str(item["kind"]),
                filename=item.get("filename"),
                content_type=item.get("content_type"),
                size=int(item.get("size") or 0),
                sha256=sha,
                storage_path=str(item.get("storage_path")),
            )
        )
        added += 1
    return added


def for_case(app: App, reference: str) -> list[dict[str, Any]]:
    """What staff see of a case's attachments, oldest first."""
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        rows = uow.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        )
        return [
            {
                "kind": a.kind,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "storage_path": a.storage_path,
                "latitude": a.latitude,
                "longitude": a.longitude,
                "at": a.at.astimezone(app.tz).isoformat(),
            }
            for a in rows
        ]
