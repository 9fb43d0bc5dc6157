"""The archive of every year's runs and what it tells across years (DESIGN §6)."""

from .archive import Archive, archive_url

__all__ = ["Archive", "archive_url"]
