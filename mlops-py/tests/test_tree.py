"""Folders as versions: Registry.add_file with a folder, status, checkout, diff_files."""

import hashlib
import os
import time
import uuid

import pytest

import mlops


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    # The stat cache goes to the test's own folder.
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "cache"))


def _write(root, rel, data):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    # An hour old, so the stat cache trusts it at once.
    t = time.time() - 3600
    os.utime(p, (t, t))


def _tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = hashlib.blake2b(open(p, "rb").read()).hexdigest()
    return out


def _folder(root):
    for i in range(150):
        _write(root, f"c{i % 3}/img{i:04d}.jpg", bytes([i % 256]) * (100 + i * 37))
    _write(root, "labels.csv", b"path,label\nc0/img0000.jpg,cat\n")


def _main_path(url, tmp_path):
    r = mlops.Registry(url)
    src = tmp_path / "images"
    _folder(src)
    assert r.add_file("dataset", "images", src, message="first") == 1
    v = r.version("dataset", "images")
    assert v.tree == {"files": 151}
    assert v.size == sum(100 + i * 37 for i in range(150)) + 30
    st = r.status("dataset", "images", src)
    assert (st.added, st.removed, st.changed, st.unchanged, st.hashed) == ([], [], [], 151, 0)
    _write(src, "c1/img0001.jpg", b"edited")
    _write(src, "c9/new.jpg", b"new!")
    os.remove(src / "c2/img0002.jpg")
    st = r.status("dataset", "images", src, "1")
    assert st.added == [{"path": "c9/new.jpg", "size_before": None, "size_after": 4}]
    assert st.removed == [{"path": "c2/img0002.jpg", "size_before": 174, "size_after": None}]
    assert st.changed == [{"path": "c1/img0001.jpg", "size_before": 137, "size_after": 6}]
    assert st.hashed == 2
    assert r.add_file("dataset", "images", src, message="edit", reason="relabel") == 2
    d = r.diff_files("dataset", "images", "1", "2")
    assert d.to_dict() == {**st.to_dict(), "unchanged": 149, "hashed": 0}
    dest = tmp_path / "restored"
    c = r.checkout("dataset", "images", dest, "1")
    assert (c.files, c.written) == (151, 151)
    assert c.bytes == v.size
    src1 = tmp_path / "v1"
    _folder(src1)
    assert _tree(dest) == _tree(src1)
    with pytest.raises(mlops.InvalidInputError, match="directory of 151 files"):
        r.get("dataset", "images", "1")


def test_a_folder_round_trips_with_status_and_diff(tmp_path):
    _main_path(str(tmp_path / "store"), tmp_path)


def test_on_s3(s3_bucket, tmp_path):
    _main_path(f"{s3_bucket}/py-tree-{uuid.uuid4().hex}", tmp_path)


def test_links_leaving_the_folder_are_refused(tmp_path):
    r = mlops.Registry(str(tmp_path / "store"))
    src = tmp_path / "images"
    _folder(src)
    os.symlink("/etc/passwd", src / "c0" / "evil")
    with pytest.raises(mlops.InvalidInputError, match="c0/evil"):
        r.add_file("dataset", "images", src)
    with pytest.raises(mlops.NotFoundError):
        r.asset("dataset", "images")
