"""The package itself: light imports, public names."""

import subprocess
import sys

import skbayes


def test_import_does_not_pull_optional_dependencies():
    code = (
        "import sys, skbayes, skbayes.space, skbayes.sampling, skbayes.search\n"
        "heavy = [m for m in ('torch', 'skorch', 'matplotlib', 'dask', 'distributed', 'tqdm', 'ray') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names():
    for name in skbayes.__all__:
        assert hasattr(skbayes, name), name
    assert skbayes.__version__
