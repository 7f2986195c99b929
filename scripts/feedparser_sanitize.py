#!/usr/bin/env python3
"""feedmill's sanitizer against feedparser's sanitizer test cases.

For every file of feedparser's tests/wellformed/sanitize/ (feedparser 6.0.14's sdist),
runs `feedmill inspect --json FILE` and checks:

* acceptable_element_X cases: feedmill's content still has the element X, as
  feedparser's `Expect:` line says it should;
* acceptable_attribute_A cases: the element of the case still has attribute A;
* every other case (script, event handlers, applet/embed/object/iframe, meta/link,
  style payloads, xml_malicious, ...): a strict scan of every field of every article
  feedmill normalized (content, title, summary, authors, tags, url, image: all a build
  writes) finds nothing that could run code: a code element, an event
  handler, a URL attribute whose scheme is not http/https/mailto (javascript:,
  vbscript:, data:, ...), `javascript:`/`vbscript:` anywhere in an attribute,
  `formaction`/`srcdoc`, a style with expression()/url()/behavior/-moz-binding, or a
  link/image field that is not http(s). The feed's own title and link, which
  `inspect` shows raw and no build writes, are reported on a line of their own.

Usage:
  scripts/feedparser_sanitize.py [--feedmill BIN] [--cases DIR] [-v]

BIN defaults to $CARGO_TARGET_DIR/debug/feedmill (or target/debug/feedmill); DIR to
$FEEDPARSER_SANITIZE_DIR or the unpacked sdist at ../fp/feedparser-6.0.14. Exits 1
when an unsafe case kept anything that runs code or fewer than 95% of the element
cases kept their element.
"""

import argparse
import html
import json
import os
import re
import subprocess
import sys

CODE_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
    "link", "style", "noscript", "template", "foreignobject", "animate", "set",
    "animatemotion", "animatetransform", "use", "handler", "listener", "portal", "isindex",
    "import", "bgsound", "layer", "ilayer", "xml", "xss",
}
URL_ATTRS = {
    "href", "src", "srcset", "action", "formaction", "poster", "data", "cite", "background",
    "dynsrc", "lowsrc", "longdesc", "usemap", "ping", "icon", "codebase", "classid",
    "archive", "profile", "manifest", "datasrc", "altimg", "xlink:href",
}
SAFE_SCHEMES = {"http", "https", "mailto"}

TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def squeeze(value):
    """The value as a browser's URL parser sees it: decoded, no whitespace or controls."""
    value = html.unescape(value)
    return "".join(c for c in value if not c.isspace() and ord(c) >= 0x20).lower()


def code_in_html(markup):
    """Everything in `markup` that could run code."""
    found = []
    for m in TAG.finditer(markup):
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name in CODE_ELEMENTS:
            found.append(f"<{closing}{name}>")
        for a in ATTR.finditer(attrs):
            attr = a.group(1).lower()
            raw = a.group(2) or ""
            if raw[:1] in "\"'":
                raw = raw[1:-1]
            value = squeeze(raw)
            if attr.startswith("on"):
                found.append(f"<{name} {attr}=...> event handler")
            if attr in ("formaction", "srcdoc"):
                found.append(f"<{name} {attr}>")
            if re.search(r"(java|vb|live)script:", value):
                found.append(f"<{name} {attr}={raw!r}> script URL")
            if attr == "style" and re.search(r"expression\(|url\(|behavior|binding|@import", value):
                found.append(f"<{name} style={raw!r}>")
            if attr in URL_ATTRS:
                parts = value.split(",") if attr == "srcset" else [value]
                for part in parts:
                    s = SCHEME.match(part)
                    if s and s.group(1) not in SAFE_SCHEMES:
                        found.append(f"<{name} {attr}={raw!r}> {s.group(1)}: URL")
    return found


def code_in_feed_fields(report):
    """Markup in the feed-level fields `inspect` shows as the feed wrote them. They are a
    diagnostic of the reader: no build writes a source's own title or link anywhere."""
    found = []
    for key in ("title", "link"):
        v = report.get(key) or ""
        found += [f"feed {key}: {f}" for f in code_in_html(v)]
    return found


def code_in_report(report):
    """Everything feedmill writes for a reader from this feed (every field of every
    normalized article) that could run code."""
    found = []
    for art in report.get("articles", []):
        found += [f"content: {f}" for f in code_in_html(art.get("content") or "")]
        for key in ("url", "image"):
            v = art.get(key)
            if v and not re.match(r"^https?://", v):
                found.append(f"{key} {v!r}")
        texts = [art.get("title") or "", art.get("summary") or ""]
        texts += art.get("authors") or []
        texts += art.get("tags") or []
        for t in texts:
            # Plain-text fields are written escaped, so markup in them is text; held to
            # the same scan all the same.
            found += [f"text field: {f}" for f in code_in_html(t)]
    return found


def inspect(feedmill, path):
    out = subprocess.run(
        [feedmill, "inspect", "--json", path], capture_output=True, text=True, timeout=60
    )
    if out.returncode != 0:
        return None, out.stderr.strip()
    return json.loads(out.stdout), None


def keeps_element(report, name):
    pat = re.compile(r"<" + re.escape(name) + r"[\s>/]", re.I)
    return any(pat.search(a.get("content") or "") for a in report.get("articles", []))


def keeps_attribute(report, attr, element="span"):
    pat = re.compile(r"<" + element + r"\b[^>]*\s" + re.escape(attr) + r"=", re.I)
    return any(pat.search(a.get("content") or "") for a in report.get("articles", []))


def expect_line(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(2000)
    m = re.search(r"Expect:\s*(.*)", head)
    return m.group(1).strip() if m else ""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target"))
    default_cases = os.environ.get(
        "FEEDPARSER_SANITIZE_DIR",
        os.path.join(here, "..", "..", "fp", "feedparser-6.0.14", "tests", "wellformed", "sanitize"),
    )
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feedmill", default=os.path.join(target, "debug", "feedmill"))
    ap.add_argument("--cases", default=default_cases)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    files = sorted(f for f in os.listdir(args.cases) if f.endswith(".xml"))
    elements = {"kept": [], "lost": []}
    attributes = {"kept": [], "lost": []}
    unsafe = {"clean": [], "runs_code": []}
    feed_fields = []
    errors = []
    for name in files:
        path = os.path.join(args.cases, name)
        report, err = inspect(args.feedmill, path)
        if report is None:
            errors.append((name, err))
            # Nothing was written: nothing can run.
            if not name.startswith("acceptable_"):
                unsafe["clean"].append(name)
            continue
        stem = name[: -len(".xml")]
        if stem.startswith("acceptable_element_"):
            el = stem[len("acceptable_element_"):]
            m = re.search(r"== '<([a-z0-9-]+)", expect_line(path))
            el = m.group(1) if m else el
            (elements["kept"] if keeps_element(report, el) else elements["lost"]).append(el)
        elif stem.startswith("acceptable_attribute_"):
            attr = stem[len("acceptable_attribute_"):]
            m = re.search(r"== '<([a-z0-9-]+) ([a-z:\-]+)=", expect_line(path))
            element, attr = (m.group(1), m.group(2)) if m else ("span", attr)
            ok = keeps_attribute(report, attr, element)
            (attributes["kept"] if ok else attributes["lost"]).append(attr)
        else:
            if code_in_feed_fields(report):
                feed_fields.append(name)
            found = code_in_report(report)
            if found:
                unsafe["runs_code"].append((name, found))
            else:
                unsafe["clean"].append(name)

    def pct(a, b):
        return 100.0 * a / b if b else 0.0

    ne = len(elements["kept"]) + len(elements["lost"])
    na = len(attributes["kept"]) + len(attributes["lost"])
    nu = len(unsafe["clean"]) + len(unsafe["runs_code"])
    print(f"cases: {len(files)} files in {os.path.normpath(args.cases)}")
    print(
        f"acceptable_element_*:   {len(elements['kept'])}/{ne} keep their element "
        f"({pct(len(elements['kept']), ne):.1f}%); lost: {', '.join(elements['lost']) or '-'}"
    )
    print(
        f"acceptable_attribute_*: {len(attributes['kept'])}/{na} keep their attribute "
        f"({pct(len(attributes['kept']), na):.1f}%); lost: {', '.join(attributes['lost']) or '-'}"
    )
    print(f"unsafe cases:           {len(unsafe['runs_code'])}/{nu} keep anything that runs code")
    for name, found in unsafe["runs_code"]:
        print(f"  {name}: {'; '.join(found[:3])}")
    print(
        f"(inspect's raw feed title/link, never written by a build, hold markup in "
        f"{len(feed_fields)} cases: {', '.join(feed_fields[:3])}{', ...' if len(feed_fields) > 3 else ''})"
    )
    if errors:
        print(f"inspect failed on {len(errors)} files (counted as writing nothing):")
        for name, err in errors[: 20 if args.verbose else 5]:
            print(f"  {name}: {err.splitlines()[-1] if err else ''}")
    ok = not unsafe["runs_code"] and pct(len(elements["kept"]), ne) >= 95.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
