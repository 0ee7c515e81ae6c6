"""The run's data stage holds users out of training when the data names them (natural clients)."""
from tfcompress import datasets
from tfcompress.pipeline import Run, RunConfig


def _csv(path, users, per_user):
    rows = ["text,label,who"]
    for user in range(users):
        rows += [f"review {user} {i} {'great' if i % 3 else 'dull'},{'pos' if i % 3 else 'neg'},u{user}"
                 for i in range(per_user)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_file_with_few_users_gives_half_of_them_and_says_so(tmp_path, capsys):
    path = _csv(tmp_path / "mine.csv", users=6, per_user=40)
    run = Run(RunConfig(out=str(tmp_path / "run"), preset="quick", data=str(path), user_column="who"))
    data = datasets.load_file(path, user_column="who")
    kept, held, section = run.hold_out_users(data)
    assert section["users"] == 3 and section["requested"] == 20 and len(set(held.users)) == 3
    assert set(held.users).isdisjoint(kept.train.users + kept.validation.users + kept.test.users)
    assert "holding out 3 (half of them), not 20" in capsys.readouterr().err


def test_without_a_user_column_nothing_is_held_out(tmp_path):
    path = _csv(tmp_path / "mine.csv", users=2, per_user=20)
    run = Run(RunConfig(out=str(tmp_path / "run"), data=str(path)))
    data = datasets.load_file(path)
    kept, held, section = run.hold_out_users(data)
    assert held is None and kept is data and section == "none: no user column"
