#!/usr/bin/env python3
"""How many items feedmill reads from feedparser's own test corpus, against feedparser.

Usage:

    pip download feedparser==6.0.14 --no-deps --no-binary :all: && tar xzf feedparser-6.0.14.tar.gz
    pip install feedparser==6.0.14        # the reference
    cargo build
    python3 scripts/feedparser_corpus.py feedparser-6.0.14 target/debug/feedmill [--list]

For every file under the sdist's `tests/` whose name does not start with `http_` (those
need feedparser's HTTP test server and its headers) and that is not Python, it compares
the number of feedparser entries that have a title, link, summary or content with the
number of articles `feedmill inspect --json FILE` gives. A file agrees when the counts are
equal. An item is dropped silently when feedmill gives fewer articles than feedparser and
nothing says why: no error, and no warning naming an `item` that was `skipped` (or
`dropped`). It prints the files compared, the agreement, the disagreeing files grouped by
folder (feedparser's count, feedmill's count, and feedmill's first error or warning), and
the silent-drop check. Exit status 0 when both targets hold (>= 98% agreement, no silent
drop), 1 otherwise.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import warnings
from collections import defaultdict

AGREEMENT_TARGET = 98.0


def feedparser_count(path):
    """Entries feedparser finds that have a title, link, summary or content."""
    import feedparser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = feedparser.parse(path)

    def has(entry, key):
        value = entry.get(key)
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list):
            return any(str(v.get("value", "")).strip() for v in value if isinstance(v, dict))
        return bool(value)

    return sum(
        1
        for e in parsed.entries
        if any(has(e, k) for k in ("title", "link", "summary", "content"))
    )


def feedmill_run(binary, path):
    """(articles, warnings, error) from `feedmill inspect --json`."""
    try:
        out = subprocess.run(
            [binary, "inspect", "--json", path],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return 0, [], "timed out after 60 s"
    if out.returncode != 0:
        err = out.stderr.decode("utf-8", "replace").strip().splitlines()
        return 0, [], (err[-1] if err else f"exit status {out.returncode}")
    try:
        report = json.loads(out.stdout)
    except ValueError as e:
        return 0, [], f"unreadable JSON from feedmill: {e}"
    return len(report.get("articles", [])), report.get("warnings", []), None


def explains_drop(warnings_):
    """Whether a warning says that an item was skipped or dropped."""
    for w in warnings_:
        lw = w.lower()
        if "item" in lw and ("skipped" in lw or "dropped" in lw):
            return True
    return False


def files_of(tests):
    out = []
    for root, _dirs, names in os.walk(tests):
        for name in names:
            if name.startswith("http_") or name.endswith((".py", ".pyc")):
                continue
            out.append(os.path.join(root, name))
    return sorted(out)


def compare(binary, path):
    fp = feedparser_count(path)
    fm, warns, err = feedmill_run(binary, path)
    return path, fp, fm, warns, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sdist", help="an extracted feedparser 6.0.14 sdist folder")
    ap.add_argument("feedmill", help="the feedmill binary")
    ap.add_argument("--jobs", type=int, default=2, help="files compared at once (default 2)")
    ap.add_argument("--list", action="store_true", help="also list every disagreeing file's warnings")
    args = ap.parse_args()

    tests = os.path.join(args.sdist, "tests")
    if not os.path.isdir(tests):
        sys.exit(f"{tests}: no such folder (pass the extracted sdist, e.g. feedparser-6.0.14)")
    binary = os.path.abspath(args.feedmill)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable")
    import feedparser

    if feedparser.__version__ != "6.0.14":
        print(f"warning: the reference is feedparser {feedparser.__version__}, not 6.0.14", file=sys.stderr)

    files = files_of(tests)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: compare(binary, p), files))

    agree = 0
    fewer = more = 0
    silent = []
    by_folder = defaultdict(list)
    for path, fp, fm, warns, err in results:
        rel = os.path.relpath(path, tests)
        if fp == fm:
            agree += 1
            continue
        if fm < fp:
            fewer += 1
            if err is None and not explains_drop(warns):
                silent.append((rel, fp, fm))
        else:
            more += 1
        note = f"error: {err}" if err else (warns[0] if warns else "no warning")
        by_folder[os.path.dirname(rel) or "."].append((os.path.basename(rel), fp, fm, note, warns))

    n = len(results)
    pct = 100.0 * agree / n if n else 0.0
    print(f"files compared: {n}")
    print(f"agreement: {agree}/{n} = {pct:.2f}% (target >= {AGREEMENT_TARGET:.0f}%)")
    print(f"disagreeing: {n - agree} (feedmill fewer: {fewer}, feedmill more: {more})")
    for folder in sorted(by_folder):
        rows = by_folder[folder]
        print(f"\n{folder}/ ({len(rows)})")
        for name, fp, fm, note, warns in rows:
            print(f"  {name}: feedparser {fp}, feedmill {fm} — {note[:160]}")
            if args.list:
                for w in warns[1:]:
                    print(f"      {w[:160]}")
    silent_items = sum(fp - fm for _, fp, fm in silent)
    print(f"\nitems dropped without a warning: {silent_items} in {len(silent)} files (target 0)")
    for rel, fp, fm in silent:
        print(f"  {rel}: feedparser {fp}, feedmill {fm}")
    ok = pct >= AGREEMENT_TARGET and not silent
    print("\nresult:", "targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
