"""The API reference (docs/api/*.rst) documents every public name, by a public path."""

import importlib
import pkgutil
import re
from pathlib import Path

import skbayes

API = Path(__file__).resolve().parent.parent / "docs" / "api"


def _public_modules():
    yield skbayes
    for info in pkgutil.walk_packages(skbayes.__path__, "skbayes."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue


def _documented():
    """``{public path: object}`` of every name listed in the API reference."""
    module, out = None, {}
    lines = [line for page in sorted(API.glob("*.rst")) for line in page.read_text().splitlines()]
    for line in lines:
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            try:
                module = importlib.import_module(m.group(1))
            except ImportError:  # an optional extra that is not installed
                module = None
        elif module is not None and re.match(r"   [A-Za-z_]\w*$", line):
            name = line.strip()
            out[f"{module.__name__}.{name}"] = getattr(module, name)
    return out


def test_every_public_name_is_in_the_api_reference():
    documented = _documented()
    objects = [id(obj) for obj in documented.values()]
    missing = [
        f"{mod.__name__}.{name}"
        for mod in _public_modules()
        for name in getattr(mod, "__all__", [])
        if name != "__version__" and id(getattr(mod, name)) not in objects
    ]
    assert not missing, f"add these to a page of docs/api/: {missing}"


def test_the_api_reference_uses_public_paths_only():
    assert all(not any(p.startswith("_") for p in path.split(".")) for path in _documented())
