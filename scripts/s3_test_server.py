#!/usr/bin/env python3
"""An S3-compatible server on loopback for the tests: moto's S3, in memory.

    python scripts/s3_test_server.py --port 0 --bucket mlops-test

binds 127.0.0.1 (port 0: any free port), creates the bucket, prints
`listening on 127.0.0.1:<port>` and serves until SIGTERM or SIGINT.

moto answers a PutObject with `If-None-Match: *` on an existing key with
412 Precondition Failed, as S3 does, so object_store's create-only puts
(`PutMode::Create`) get `AlreadyExists`. But moto checks for the key and
stores the object in two separate steps, and its stock server runs requests
on many threads, so two racing create-only puts could in principle both
succeed, which S3 never allows. This server therefore runs one request at a
time (each on its own connection thread, so keep-alive still works): every
request is atomic, as S3's conditional put is.
"""

import argparse
import logging
import threading

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from _serve import serve_until_signalled


def serialised(app):
    """A WSGI app that runs `app` for one request at a time, body included."""
    lock = threading.Lock()

    def run(environ, start_response):
        with lock:
            body = app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bucket", action="append", default=[])
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    for bucket in args.bucket:
        s3.create_bucket(Bucket=bucket)

    serve_until_signalled(port, server.shutdown)


if __name__ == "__main__":
    main()
