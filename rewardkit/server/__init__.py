"""The scoring server (``rewardkit serve``): reward specs behind HTTP, for trainers and eval harnesses.

``create_app(specs=["math"])`` builds the FastAPI app; ``run_server(app, host, port)`` serves it with
uvicorn. Endpoints and their shapes: see :mod:`rewardkit.server.app`. Needs the ``server`` extra
(``pip install 'rewardkit[server]'``); without it, importing this package raises
:class:`~rewardkit.errors.MissingExtraError` saying so.
"""

from rewardkit.errors import MissingExtraError

try:
    import fastapi  # noqa: F401
    import prometheus_client  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as err:
    raise MissingExtraError("the scoring server (rewardkit serve)", "server", err.name) from None

from rewardkit.server.app import create_app, run_server  # noqa: E402

__all__ = ["create_app", "run_server"]
