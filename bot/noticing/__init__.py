"""Noticing promises where they are made (SPEC §2.5): watched channels and suggestions."""
