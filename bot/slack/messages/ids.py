"""Action, view and shortcut ids: the manifest, the handlers and the messages use these names."""

from __future__ import annotations

# action and callback ids: the manifest and handlers use these names
UNDO = "promise_undo"
EDIT = "promise_edit"
OPEN_FORM = "promise_open_form"
KEPT = "promise_kept"
NEW_DATE = "promise_new_date"
HAND_OFF = "promise_hand_off"
COULDNT_KEEP = "promise_couldnt_keep"
REMIND_OWNER = "promise_remind_owner"
LIST_PAGE = "promise_list_page"  # Previous / Next under a /promise list answer (or in its view)
SHOW_ALL = "promise_show_all"  # on the Home tab: every open promise, paged, in a modal
NEW_PROMISE_VIEW = "new_promise"
EDIT_VIEW = "edit_promise"


NEW_DATE_VIEW = "promise_new_date"
HAND_OFF_VIEW = "promise_hand_off"
COULDNT_KEEP_VIEW = "promise_couldnt_keep"


TRACK_SHORTCUT = "track_promise"
