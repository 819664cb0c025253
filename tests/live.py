"""A real threaded server on 127.0.0.1 for tests that fire parallel requests."""

from __future__ import annotations

import contextlib
import threading

from werkzeug.serving import make_server

from gridapp.app import create_app


@contextlib.contextmanager
def serve(config):
    """Yield the port of a live GridApp made with `config`, stopped afterwards."""
    srv = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv.server_port
    finally:
        srv.shutdown()
        thread.join(timeout=5)
