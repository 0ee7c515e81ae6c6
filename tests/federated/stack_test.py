import pytest

from tfcompress import federated
from tfcompress.federated import FullStackRequired, has_tff, require_tff


@pytest.mark.skipif(has_tff(), reason="checks the current stack's error; this stack has TFF")
@pytest.mark.parametrize("call", [lambda: federated.run_federated(None, []),
                                  lambda: federated.personalization_eval(None, [])])
def test_federated_functions_raise_one_clear_error_without_tff(call):
    with pytest.raises(FullStackRequired, match=r"\.venv.*TensorFlow 2\.14 \+ TensorFlow Federated 0\.87"):
        call()


@pytest.mark.skipif(not has_tff(), reason="needs the full stack (.venv: TF 2.14 + TFF 0.87)")
def test_require_tff_returns_the_module_on_the_full_stack():
    assert require_tff().__version__ == "0.87.0"
