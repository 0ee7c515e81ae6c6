"""The benchmark scripts' module names: ``python benchmarks/X.py`` puts ``benchmarks/`` first on ``sys.path``, so a
script named like an installed package would be imported in its place by the libraries the benchmarks use."""
import importlib.machinery
import os
import sys

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def test_no_benchmark_script_shadows_an_installed_package():
    elsewhere = [path for path in sys.path if os.path.abspath(path or os.curdir) != BENCHMARKS]
    names = sorted(name[:-3] for name in os.listdir(BENCHMARKS) if name.endswith(".py"))
    shadowing = [name for name in names if importlib.machinery.PathFinder.find_spec(name, elsewhere) is not None]
    assert not shadowing, f"benchmark scripts named like installed packages: {shadowing}"


def test_the_check_finds_a_script_named_like_an_installed_package():
    elsewhere = [path for path in sys.path if os.path.abspath(path or os.curdir) != BENCHMARKS]
    assert importlib.machinery.PathFinder.find_spec("numpy", elsewhere) is not None
