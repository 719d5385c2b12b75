"""The scoring server (``rewardkit serve``): reward specs behind HTTP, for trainers and eval harnesses.

``create_app(specs=["math"])`` builds the FastAPI app; ``run_server(app, host, port)`` serves it with
uvicorn. Endpoints and their shapes: see :mod:`rewardkit.server.app`.
"""

from rewardkit.server.app import create_app, run_server, split_query

__all__ = ["create_app", "run_server", "split_query"]
