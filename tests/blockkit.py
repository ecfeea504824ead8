"""Block Kit checked like Slack checks it: the fake Slack's validation of messages and views.

slack_sdk's own model validators are the oracle for field lengths and element counts
(`Block.parse(...).validate_json()`, `View(**...).validate_json()`); on top of them the limits
slack_sdk leaves to the server, as Slack's documentation and its answers state them:

- a message holds at most 50 blocks, a modal or Home tab 100 (`invalid_blocks` /
  `invalid_arguments`, with `response_metadata.messages` naming the JSON pointer);
- every text object is 1..3,000 characters, a button's label at most 75 and its value 2,000;
  block ids are at most 255 characters and unique in a message or view;
- a `plain_text_input` never starts longer than its own `max_length` (at most 3,000);
- a modal's title, submit and close labels at most 24 characters, `private_metadata` 3,000;
- a message whose blocks hold too much text in all is refused as `msg_blocks_too_long`
  (undocumented; reports put the edge between ~9,600 accepted and ~11,300 refused characters,
  so the fake refuses past MAX_BLOCK_TEXT; Kept keeps its own under 9,000);
- the top-level `text` of a message at most 40,000 characters (`msg_too_long`).

`refusal(method, params)` is what the fake answers instead of `ok` (None when Slack would
accept the payload); `message_problems` / `view_problems` list what is wrong, for tests.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
)
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_BLOCK_TEXT = 11_000  # total text in a message's blocks before msg_blocks_too_long
MAX_MESSAGE_TEXT = 40_000
MAX_TEXT_OBJECT = 3_000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_BLOCK_ID = 255
MAX_MODAL_LABEL = 24
MAX_PRIVATE_METADATA = 3_000
MAX_INPUT_LENGTH = 3_000
MAX_CONTEXT_ELEMENTS = 10


def block_text_length(blocks: Any) -> int:
    """The text in blocks, as Slack counts it for `msg_blocks_too_long`: every `text` string."""
    total = 0
    stack = [blocks]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return total


def _walk(node: Any, pointer: str, problems: list[str]) -> None:
    """The checks slack_sdk's models leave to the server, on one block and what it holds."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{pointer}/{i}", problems)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("plain_text", "mrkdwn") and "text" in node:
        text = node.get("text")
        if not isinstance(text, str) or not text:
            problems.append(f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]")
        elif len(text) > MAX_TEXT_OBJECT:
            problems.append(
                f"[ERROR] must be less than {MAX_TEXT_OBJECT + 1} characters "
                f"[json-pointer:{pointer}/text]"
            )
    if kind == "button":
        label = (node.get("text") or {}).get("text") or ""
        if len(label) > MAX_BUTTON_TEXT:
            problems.append(
                f"[ERROR] must be less than {MAX_BUTTON_TEXT + 1} characters "
                f"[json-pointer:{pointer}/text/text]"
            )
        if len(str(node.get("value") or "")) > MAX_BUTTON_VALUE:
            problems.append(
                f"[ERROR] must be less than {MAX_BUTTON_VALUE + 1} characters "
                f"[json-pointer:{pointer}/value]"
            )
    if kind == "plain_text_input":
        limit = min(int(node.get("max_length") or MAX_INPUT_LENGTH), MAX_INPUT_LENGTH)
        if int(node.get("max_length") or 0) > MAX_INPUT_LENGTH:
            problems.append(
                f"[ERROR] must be less than {MAX_INPUT_LENGTH + 1} "
                f"[json-pointer:{pointer}/max_length]"
            )
        if len(str(node.get("initial_value") or "")) > limit:
            problems.append(
                f"[ERROR] must be less than {limit + 1} characters "
                f"[json-pointer:{pointer}/initial_value]"
            )
    if kind == "context" and len(node.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
        problems.append(
            f"[ERROR] no more than {MAX_CONTEXT_ELEMENTS} items allowed "
            f"[json-pointer:{pointer}/elements]"
        )
    for key, value in node.items():
        if isinstance(value, dict | list):
            _walk(value, f"{pointer}/{key}", problems)


def blocks_problems(blocks: Any, pointer: str, limit: int) -> list[str]:
    """What Slack would refuse in a list of blocks (a message's, or a view's)."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must provide an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]")
    seen_ids: set[str] = set()
    for i, raw in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(raw, dict):
            problems.append(f"[ERROR] must provide an object [json-pointer:{where}]")
            continue
        block = Block.parse(raw)
        if block is None:
            problems.append(f"[ERROR] unknown block type [json-pointer:{where}/type]")
            continue
        try:
            block.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"[ERROR] {exc} [json-pointer:{where}]")
        block_id = raw.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > MAX_BLOCK_ID:
                problems.append(
                    f"[ERROR] must be less than {MAX_BLOCK_ID + 1} characters "
                    f"[json-pointer:{where}/block_id]"
                )
            if block_id in seen_ids:
                problems.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            seen_ids.add(block_id)
        _walk(raw, where, problems)
    return problems


def message_problems(message: dict[str, Any]) -> tuple[str, list[str]]:
    """(error, messages) Slack would answer for a message payload; ("", []) when accepted."""
    text = message.get("text")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long", [f"[ERROR] text is longer than {MAX_MESSAGE_TEXT} characters"]
    blocks = message.get("blocks")
    if blocks is None:
        return "", []
    if isinstance(blocks, str):  # a JSON string the fake could not decode
        return "invalid_blocks_format", ["[ERROR] blocks must be a JSON array"]
    problems = blocks_problems(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    if problems:
        return "invalid_blocks", problems
    if block_text_length(blocks) > MAX_BLOCK_TEXT:
        return "msg_blocks_too_long", []
    return "", []


def view_problems(view: Any) -> list[str]:
    """What Slack would refuse in a view (modal or Home tab); [] when accepted."""
    if not isinstance(view, dict):
        return ["[ERROR] must provide an object [json-pointer:/view]"]
    problems = blocks_problems(view.get("blocks", []), "/view/blocks", MAX_VIEW_BLOCKS)
    for key in ("title", "submit", "close"):
        label = (view.get(key) or {}).get("text") if isinstance(view.get(key), dict) else None
        if label is not None and len(label) > MAX_MODAL_LABEL:
            problems.append(
                f"[ERROR] must be less than {MAX_MODAL_LABEL + 1} characters "
                f"[json-pointer:/view/{key}/text]"
            )
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        problems.append(
            f"[ERROR] must be less than {MAX_PRIVATE_METADATA + 1} characters "
            "[json-pointer:/view/private_metadata]"
        )
    if not problems:
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError) as exc:
            problems.append(f"[ERROR] {exc} [json-pointer:/view]")
    return problems


def _refused(error: str, messages: list[str]) -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        answer["response_metadata"] = {"messages": messages}
    return answer


def refusal(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer when it refuses the payload of a message or view call; None otherwise."""
    if method in MESSAGE_METHODS:
        error, messages = message_problems(params)
        return _refused(error, messages) if error else None
    if method in VIEW_METHODS and isinstance(params.get("view"), dict):
        problems = view_problems(params["view"])
        return _refused("invalid_arguments", problems) if problems else None
    return None


def assert_valid_message(message: dict[str, Any]) -> None:
    error, messages = message_problems(message)
    assert not error, (error, messages[:5], block_text_length(message.get("blocks") or []))


def assert_valid_view(view: dict[str, Any]) -> None:
    problems = view_problems(view)
    assert not problems, problems[:5]
