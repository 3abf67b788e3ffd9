"""Hash-list import / export (CSV, JSON Lines, plain hex lines)."""

from gardefou.exchange.hashlists import ParsedRow, read_hash_list, write_hash_list

__all__ = ["ParsedRow", "read_hash_list", "write_hash_list"]
