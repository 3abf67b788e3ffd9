"""The gardefou HTTP service (FastAPI): banks, victim cases, scanning, review and audit.

    from gardefou.service import create_app, serve
"""

from gardefou.service.app import create_app
from gardefou.service.config import ServiceConfig


def serve(*args, **kwargs):
    """Run the server (see `gardefou.service.server.serve`)."""
    from gardefou.service.server import serve as _serve

    return _serve(*args, **kwargs)


__all__ = ["ServiceConfig", "create_app", "serve"]
