"""Database rows to domain values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import (
    Actor,
    Code,
    CodeKind,
    Family,
    Highlight,
    HighlightKind,
    Moment,
    Recording,
    Reel,
)
from vfeedback.storage import tables as t

RowLike = Mapping[Any, Any]


def utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we write is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def family(row: RowLike) -> Family:
    return Family(
        id=row["id"],
        code=row["code"],
        label=row["label"],
        created_at=utc(row["created_at"]),
        closed_on=row["closed_on"],
        retention_rule=row["retention_rule"],
    )


def recording(row: RowLike, family_code: str) -> Recording:
    return Recording(
        id=row["id"],
        family_id=row["family_id"],
        family_code=family_code,
        original_name=row["original_name"],
        path=row["path"],
        stored=bool(row["stored"]),
        size_bytes=row["size_bytes"],
        fingerprint=row["fingerprint"],
        recorded_on=row["recorded_on"],
        context=row["context"],
        imported_at=utc(row["imported_at"]),
        media=MediaInfo.from_dict(json.loads(row["media_json"])),
        title=row["title"],
    )


def code(row: RowLike, principle: str) -> Code:
    return Code(
        id=row["id"],
        scheme_id=row["scheme_id"],
        parent_id=row["parent_id"],
        name=row["name"],
        principle=principle,
        description=row["description"],
        colour=row["colour"],
        key=row["key"],
        kind=CodeKind(row["kind"]),
        parent_wording=row["parent_wording"],
        default_actor=Actor(row["default_actor"]) if row["default_actor"] else None,
        position=row["position"],
    )


def moment(row: RowLike) -> Moment:
    return Moment(
        id=row["id"],
        recording_id=row["recording_id"],
        start_us=row["start_us"],
        end_us=row["end_us"],
        code_id=row["code_id"],
        actor=Actor(row["actor"]),
        caption=row["caption"],
        note=row["note"],
        coder=row["coder"],
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
        picture_us=row["picture_us"],
        family_words=row["family_words"],
    )


def reel(conn: Connection, row: Any) -> Reel:
    items = conn.execute(
        select(t.reel_items.c.moment_id)
        .where(t.reel_items.c.reel_id == row["id"])
        .order_by(t.reel_items.c.position)
    ).scalars()
    return Reel(
        id=row["id"],
        family_id=row["family_id"],
        title=row["title"],
        date_text=row["date_text"],
        moment_ids=tuple(items),
        created_at=utc(row["created_at"]),
    )


def highlight(conn: Connection, row: Any) -> Highlight:
    hm = t.highlight_moments
    ids = conn.execute(select(hm.c.moment_id).where(hm.c.highlight_id == row["id"]).order_by(hm.c.position))
    return Highlight(
        id=row["id"],
        kind=HighlightKind(row["kind"]),
        family_id=row["family_id"],
        recording_id=row["recording_id"],
        reel_id=row["reel_id"],
        path=row["path"],
        settings_key=row["settings_key"],
        caption=row["caption"],
        sha256=row["sha256"],
        size_bytes=row["size_bytes"],
        duration_us=row["duration_us"],
        frame_count=row["frame_count"],
        width=row["width"],
        height=row["height"],
        moment_ids=tuple(ids.scalars()),
        created_at=utc(row["created_at"]),
        purpose=row["purpose"],
        faces_found=json.loads(row["settings_json"]).get("faces_found"),
        notes=tuple(json.loads(row["settings_json"]).get("notes") or ()),
    )
