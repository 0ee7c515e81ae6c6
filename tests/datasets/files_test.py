import gzip
import json

import pytest

from tfcompress import datasets
from tfcompress.errors import DataError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def rows(count=20):
    return [(f"review number {i} is {'great' if i % 2 else 'awful'}", "pos" if i % 2 else "neg", f"u{i % 3}")
            for i in range(count)]


def test_csv_with_custom_columns_and_users(tmp_path):
    body = "review,stars,who\n" + "".join(f'"{t}",{l},{u}\n' for t, l, u in rows())
    data = datasets.load_file(write(tmp_path / "r.csv", body), text_column="review", label_column="stars",
                              user_column="who")
    assert data.class_names == ("neg", "pos")
    assert len(data.train) + len(data.validation) + len(data.test) == 20
    assert set(data.train.users) <= {"u0", "u1", "u2"}


def test_tsv_and_gzipped_jsonl_load_the_same_examples(tmp_path):
    tsv = write(tmp_path / "r.tsv", "text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l, _ in rows()))
    jsonl = tmp_path / "r.jsonl.gz"
    jsonl.write_bytes(gzip.compress("".join(json.dumps({"text": t, "label": l}) + "\n"
                                            for t, l, _ in rows()).encode()))
    a, b = datasets.load(str(tsv)), datasets.load(str(jsonl))
    assert a.test.texts == b.test.texts and list(a.test.labels) == list(b.test.labels)


def test_numeric_json_labels_become_classes(tmp_path):
    path = write(tmp_path / "r.jsonl", "".join(json.dumps({"text": f"t {i}", "label": i % 3}) + "\n"
                                               for i in range(30)))
    assert datasets.load_file(path).class_names == ("0", "1", "2")


def test_separate_test_file(tmp_path):
    train = write(tmp_path / "train.csv", "text,label\n" + "".join(f"{t},{l}\n" for t, l, _ in rows(40)))
    test = write(tmp_path / "test.csv", "text,label\nnice film,pos\nbad film,neg\n")
    data = datasets.load_file(train, test_path=test)
    assert data.test.texts == ("nice film", "bad film") and list(data.test.labels) == [1, 0]
    assert len(data.train) + len(data.validation) == 40


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match=r"file .*nope\.csv: no such file"):
        datasets.load_file(tmp_path / "nope.csv")


def test_missing_column_is_named_with_the_columns_present(tmp_path):
    path = write(tmp_path / "r.csv", "body,label\nfine,pos\nbad,neg\n")
    with pytest.raises(DataError, match=r"r\.csv, column 'text': no such column; the columns are \['body', 'label'\]"):
        datasets.load_file(path)


def test_empty_text_names_its_row(tmp_path):
    path = write(tmp_path / "r.csv", "text,label\nfine,pos\n  ,neg\nbad,neg\n")
    with pytest.raises(DataError, match=r"column 'text', row 2: is empty"):
        datasets.load_file(path)


def test_empty_label_in_jsonl_names_its_line(tmp_path):
    path = write(tmp_path / "r.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n')
    with pytest.raises(DataError, match=r"column 'label', row 2: is empty"):
        datasets.load_file(path)


def test_only_one_class_is_refused(tmp_path):
    path = write(tmp_path / "r.csv", "text,label\nfine,pos\ngood,pos\n")
    with pytest.raises(DataError, match=r"column 'label': has only one class \('pos'\)"):
        datasets.load_file(path)


def test_unknown_label_at_test_time_names_file_and_row(tmp_path):
    train = write(tmp_path / "train.csv", "text,label\n" + "".join(f"{t},{l}\n" for t, l, _ in rows()))
    test = write(tmp_path / "test.csv", "text,label\nnice,pos\nodd,meh\n")
    with pytest.raises(DataError, match=r"test\.csv, column 'label', row 2: label 'meh' is not one of "
                                        r"the training classes \['neg', 'pos'\]"):
        datasets.load_file(train, test_path=test)


def test_undecodable_bytes_name_the_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"text,label\nfine,pos\nbad \xff\xfe film,neg\n")
    with pytest.raises(DataError, match=r"r\.csv: bytes .* at byte offset 24 \(line 3\) are not valid UTF-8"):
        datasets.load_file(path)


def test_malformed_json_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match=r"row 2: invalid JSON"):
        datasets.load_file(write(tmp_path / "r.jsonl", '{"text": "a", "label": "x"}\n{"text": \n'))
    with pytest.raises(DataError, match=r"cannot tell the format"):
        datasets.load_file(write(tmp_path / "r.xlsx", "x"))


def test_extra_fields_in_a_csv_row_are_refused(tmp_path):
    path = write(tmp_path / "r.csv", "text,label\nfine,pos\nbad,neg,extra\n")
    with pytest.raises(DataError, match=r"row 2: has more fields than the header's 2"):
        datasets.load_file(path)


def test_errors_leave_the_input_file_untouched(tmp_path):
    path = write(tmp_path / "r.csv", "text,label\nfine,pos\n,neg\n")
    before = path.read_bytes()
    with pytest.raises(DataError):
        datasets.load_file(path)
    assert path.read_bytes() == before


def test_unlabelled_texts_join_a_split_that_still_gives_back_its_labelled_rows(tmp_path):
    path = write(tmp_path / "texts.jsonl", "".join(json.dumps({"review": f"text {i}", "stars": "x"}) + "\n"
                                                   for i in range(3)))
    texts = datasets.read_unlabelled_texts(path, text_column="review")
    assert texts == ["text 0", "text 1", "text 2"]
    split = datasets.Split(["good", "bad"], [1, 0], users=("a", "b"))
    joined = split.with_unlabelled(texts)
    assert list(joined.labels) == [1, 0, -1, -1, -1] and joined.users == ("a", "b", None, None, None)
    labelled = joined.labelled()
    assert labelled.texts == split.texts and list(labelled.labels) == [1, 0] and labelled.users == split.users
    assert split.labelled() is split
    with pytest.raises(DataError, match=r"column 'text': no such column; the columns are \['review', 'stars'\]"):
        datasets.read_unlabelled_texts(path)
