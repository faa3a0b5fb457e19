"""The documentation site builds with warnings as errors, offline, and its links resolve.

The build renders the tutorials without executing them (test_tutorials executes them);
`mkdocs build --strict` as the README says executes them too.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("mkdocs", reason="the docs extra is not installed")
pytest.importorskip("mkdocs_jupyter", reason="the docs extra is not installed")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed")

ROOT = Path(__file__).resolve().parents[2]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("name") and tag == "a":
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if tag in ("a", "link", "img", "script") and a.get(key):
                self.hrefs.append(a[key])


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def build_site(out: Path) -> Path:
    env = dict(os.environ, CHAINRULE_DOCS_EXECUTE="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                         os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    problems = "\n".join(line for line in done.stderr.splitlines()
                         if line.startswith(("WARNING", "ERROR", "Aborted")))
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{problems or done.stderr[-3000:]}"
    assert not problems, problems
    return out


def test_site_builds_strictly_with_every_page_link_and_reference(tmp_path: Path) -> None:
    """One build (it takes a while), then every check on it."""
    site = build_site(tmp_path / "site")
    check_every_page_is_built(site)
    check_internal_links_and_anchors_resolve(site)
    check_api_reference_has_the_public_names(site)
    check_tutorial_pages_show_the_code(site)
    check_examples_render_as_code(site)


def check_every_page_is_built(site: Path) -> None:
    sources = [p for p in (ROOT / "docs").rglob("*") if p.suffix in (".md", ".py")
               and "stylesheets" not in p.parts]
    for src in sources:
        rel = src.relative_to(ROOT / "docs").with_suffix("")
        page = site / ("index.html" if rel.name == "index" and rel.parent == Path(".")
                       else rel.parent / "index.html" if rel.name == "index"
                       else rel / "index.html")
        assert page.is_file(), f"{src} has no page {page}"


def check_internal_links_and_anchors_resolve(site: Path) -> None:
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]  # 404: root-absolute
    ids = {}
    broken = []
    for page in pages:
        links = _parse(page)
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "data:")):
                continue
            if parts.path.startswith("/"):
                broken.append(f"{page.relative_to(site)} -> {href} (root-absolute)")
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = _parse(target).ids
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:40])


def check_api_reference_has_the_public_names(site: Path) -> None:
    page = (site / "reference" / "nn" / "index.html").read_text(encoding="utf-8")
    for name in ("MLP", "Sequential", "Linear", "CrossEntropyLoss", "ModelSummary"):
        assert f'id="chainrule.nn.{name}"' in page or f'id="chainrule.nn.summary.{name}"' in page, name
    train_page = (site / "reference" / "train" / "index.html").read_text(encoding="utf-8")
    assert 'id="chainrule.train.fit"' in train_page


def check_tutorial_pages_show_the_code(site: Path) -> None:
    for stem, needle in (("03_chain_rule", "explain_expression"),
                         ("09_playground", "create_app")):
        page = site / "tutorials" / stem / "index.html"
        assert needle in page.read_text(encoding="utf-8"), stem


def check_examples_render_as_code(site: Path) -> None:
    """A docstring's ``>>>`` lines render as code (an ``Examples:`` section), not as nested
    quotes; a tutorial's opening emphasis is not left as literal asterisks."""
    for name in ("sweep", "sklearn", "playground"):
        page = (site / "reference" / name / "index.html").read_text(encoding="utf-8")
        assert "<blockquote>\n<blockquote>" not in page, f"reference/{name}: >>> as quotes"
    for page in (site / "tutorials").glob("*/index.html"):
        assert "*Lecture" not in page.read_text(encoding="utf-8"), page.parent.name
