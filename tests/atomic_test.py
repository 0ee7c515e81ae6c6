import json
import os
import stat

import pytest

from tfcompress.atomic import (append_json_line_atomic, atomic_path, write_bytes_atomic, write_json_atomic,
                               write_text_atomic)


def test_writes_replace_the_file_and_leave_a_readable_file(tmp_path):
    path = tmp_path / "sub" / "metrics.json"
    write_json_atomic({"b": 1, "a": [1, 2]}, path)
    assert json.loads(path.read_text()) == {"b": 1, "a": [1, 2]} and path.read_text().endswith("\n")
    write_text_atomic("é\n", path)
    assert path.read_text(encoding="utf-8") == "é\n"
    write_bytes_atomic(b"\x00\x01", path)
    assert path.read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert os.listdir(path.parent) == ["metrics.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.keras"
    write_bytes_atomic(b"old", path)
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            assert tmp.endswith(".keras") and os.path.dirname(tmp) == str(tmp_path)
            with open(tmp, "wb") as handle:
                handle.write(b"half")
            raise RuntimeError("crash while writing")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.keras"]


def test_unserializable_json_loses_nothing(tmp_path):
    path = tmp_path / "metrics.json"
    write_json_atomic({"ok": True}, path)
    with pytest.raises(TypeError):
        write_json_atomic({"bad": object()}, path)
    assert json.loads(path.read_text()) == {"ok": True} and os.listdir(tmp_path) == ["metrics.json"]


def test_a_json_line_is_added_after_the_earlier_ones(tmp_path):
    path = tmp_path / "results.jsonl"
    append_json_line_atomic({"tag": "a"}, path)
    append_json_line_atomic({"tag": "b", "validation": 0.78}, path)
    assert [json.loads(line) for line in path.read_text().splitlines()] == [{"tag": "a"},
                                                                          {"tag": "b", "validation": 0.78}]
