"""Workspaces: paused while Kept is uninstalled from them."""
