"""The web UI from Python: the same server as ``mlops ui``, started in this
process (a notebook keeps working while it serves)::

    import mlops
    server = mlops.ui.serve("out/registry", block=False)
    print(server.url)      # http://127.0.0.1:5210/
    server.stop()

Pages, API and safety rules: ``docs/ui.md``. Options left ``None`` are the
server's defaults (loopback address, port 5210).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Optional, Union

from ._mlops import UiServer, _ui_start

__all__ = ["serve", "UiServer"]


def serve(
    store: Union[str, "os.PathLike[str]", None] = None,
    *,
    host: Optional[str] = None,
    port: Optional[int] = None,
    token: Union[str, Sequence[str], None] = None,
    allow_writes: bool = False,
    principal: Optional[str] = None,
    block: bool = True,
) -> UiServer:
    """Serves the UI over ``store`` (a URL or path, default ``./.mlops``)
    and returns the running :class:`UiServer` (``url``, ``port``,
    ``stop()``).

    ``host`` other than a loopback address needs ``token``
    (``"PRINCIPAL=SECRET"`` or ``"SECRET"``, or several), which every
    request must then carry. ``allow_writes`` turns on alias moves, tags
    and archiving from the pages, through the policy as the token's
    principal (``principal`` otherwise). ``port=0`` picks a free port.

    With ``block=True`` (the default, for scripts) it prints the URL and
    serves until Ctrl-C, then stops; ``block=False`` returns at once.
    A store that is not there, a port taken or a public address without a
    token raise before anything is served.
    """
    tokens = [token] if isinstance(token, str) else list(token or [])
    server = _ui_start(
        None if store is None else os.fspath(store),
        host,
        port,
        tokens,
        allow_writes,
        principal,
    )
    if block:
        print(f"mlops ui: serving {server.url}", flush=True)
        try:
            while server.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return server
