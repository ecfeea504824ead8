"""What the OAuth redirect shows and logs when an install fails: the reason on a page,
escaped once (Bolt's own page escapes Slack's error twice, so `&` shows as `&amp;`), and no
OAuth code in any log line (Bolt logs "Failed to fetch oauth.v2.access result with code:
…", slack_sdk's debug lines carry the request's body)."""

from __future__ import annotations

import html
import logging
import re

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.response import BoltResponse

# `code: abc`, `'code': 'abc'`, `'code': ['abc']`, `code=abc`
_CODE = re.compile(r"""(\bcode['"]?\s*[:=]\s*\[?\s*['"]?)([^'"\s,\]}&]+)""")
REASONS = {
    "access_denied": "the install was cancelled in Slack",
    "invalid_browser": "this page was opened from another browser than the install started in",
    "invalid_state": "the install link expired; start again",
    "missing_code": "Slack sent no code back",
    "invalid_code": "Slack refused the code (it expired or was used already); start again",
    "storage_error": "the installation could not be saved; tell the app's owner",
}


def redact_codes(text: str) -> str:
    return _CODE.sub(r"\1[redacted]", text)


class NoOAuthCodes(logging.Filter):
    """Rewrites a log record whose message holds an OAuth code."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "code" in message:
            redacted = redact_codes(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def failure_page(reason: str, install_path: str) -> str:
    said = REASONS.get(reason, reason)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Kept: install failed</title>"
        "</head><body style='font-family: sans-serif; padding: 10px 15px; text-align: center'>"
        "<h2>Kept was not installed</h2>"
        f"<p>Reason: {html.escape(said)} ({html.escape(reason)}).</p>"
        f"<p><a href='{html.escape(install_path)}'>Try again</a>, or contact the app's owner.</p>"
        "</body></html>"
    )


def _success(args: SuccessArgs) -> BoltResponse:
    return args.default.success(args)


def _failure(args: FailureArgs) -> BoltResponse:
    reason = redact_codes(str(args.reason))[:200]
    logging.getLogger("kept.oauth").warning("an install failed: %r", reason)
    return BoltResponse(
        status=args.suggested_status_code,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion(),
        },
        body=failure_page(str(args.reason), args.settings.install_path),
    )


def callback_options() -> CallbackOptions:
    return CallbackOptions(success=_success, failure=_failure)


def keep_codes_out_of_logs(*loggers: logging.Logger) -> None:
    for logger in loggers:
        if not any(isinstance(f, NoOAuthCodes) for f in logger.filters):
            logger.addFilter(NoOAuthCodes())
