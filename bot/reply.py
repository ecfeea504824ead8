"""What a flow hands back to the Slack glue: the message to answer with, or a form to open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    message: dict[str, Any] | None = None  # Block Kit message: the answer to the request
    open_view: dict[str, Any] | None = None  # a modal to open with the request's trigger id

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "open_view": self.open_view}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(message=data.get("message"), open_view=data.get("open_view"))
