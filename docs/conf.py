"""Sphinx configuration of the skbayes documentation.

Build: ``python -m sphinx -b html docs docs/_build/html`` (``pip install -e ".[docs]"``).

Environment variables:

- ``SKBAYES_DOCS_OFFLINE=1``: no intersphinx (links to scikit-learn, numpy,
  scipy, joblib, skorch and PyTorch are then plain text). Sphinx downloads the
  inventories of those sites at every build; without network that is a warning,
  which ``-W`` turns into an error, so ``.ci/docs`` sets it unless told
  otherwise.
- ``SKBAYES_DOCS_GALLERY=0``: render the gallery without running any example.
"""

import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # the gallery's examples run one fit at a time

sys.path.insert(0, os.path.abspath(".."))  # the checkout's skbayes, not an installed one

import skbayes  # noqa: E402

project = "skbayes"
author = "The skbayes developers"
copyright = "The skbayes developers"
version = release = skbayes.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "generated/*.examples", "auto_examples/*.ipynb", "auto_examples/*.py", "**.zip"]
templates_path = ["_templates"]
myst_heading_anchors = 3
toc_object_entries_show_parents = "hide"  # "fit()", not "BayesSearchCV.fit()"

# -- API reference -----------------------------------------------------------
autosummary_generate = True
# Members are listed by the class template (docs/_templates/autosummary):
# our own methods and properties, not those the bases of scikit-learn, skorch
# or scipy document (their docstrings use their own sites' labels).
autodoc_default_options = {"member-order": "groupwise"}
autodoc_inherit_docstrings = False
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# Every reference to one of our own objects must resolve (-W -n); references
# to other projects' objects resolve through intersphinx when it is on and are
# left as text otherwise.
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(?!skbayes\b).*")]
# Private paths still named by docstrings of modules being restructured
# (optimizer.py, evolution.py): to be pointed at the public names when the
# strategies move (DESIGN.md, "Layers").
nitpick_ignore = [("py:class", "skbayes.strategies._base.Strategy"), ("py:mod", "skbayes.surrogates._base")]

# -- Links to other projects ---------------------------------------------------
OFFLINE = os.environ.get("SKBAYES_DOCS_OFFLINE", "0") == "1"
intersphinx_mapping = {} if OFFLINE else {
    "python": ("https://docs.python.org/3", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "joblib": ("https://joblib.readthedocs.io/en/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "torch": ("https://pytorch.org/docs/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}
intersphinx_timeout = 10

# -- Gallery -------------------------------------------------------------------
# Only the quick examples named plot_*.py run (a few seconds each, on CPU); the
# others (deep nets, minute-long searches) are shown with their code, unrun.
RUN_GALLERY = os.environ.get("SKBAYES_DOCS_GALLERY", "1") != "0"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_" if RUN_GALLERY else r"^$",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": "True",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skbayes",),
    "reference_url": {"skbayes": None},
    "backreferences_dir": None,
    "remove_config_comments": True,
    "min_reported_time": 1,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skbayes {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
    "navigation_with_keys": False,
}
html_sidebars = {"index": [], "api": []}
html_show_sourcelink = False


def _skip_sklearn_routing(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn generates on every estimator.

    Their docstrings are scikit-learn's (with its own site's labels); the
    metadata routing of our searches is scikit-learn's, documented there.
    """
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_routing)
