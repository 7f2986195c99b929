#!/usr/bin/env python3
"""Hostile inputs against the release binary: what each costs after the limits.

Each attack writes a small site (feeds.toml and its local sources) into a temp folder, runs
`feedmill build` under /usr/bin/time, and prints one row: wall seconds, peak memory (MiB),
files and bytes written into the output folder, files outside it, and the exit code.

    cargo build --release && python3 scripts/attacks.py [target/release/feedmill]

Nothing here touches the network: every source is a local file.
"""

import os
import re
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/feedmill")

CONFIG = """[site]
title = "T"
base_url = "https://feeds.example.vn/"
output_dir = "public"
store = "feedmill.db"
{extra}
[[source]]
name = "s"
url = "feed.xml"
"""


def rss(items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>C</title>'
        "<link>https://example.vn/</link>" + items + "</channel></rss>"
    )


def item(i: int, body: str = "", title: str = "", extra: str = "") -> str:
    return (
        f"<item><title>{title or f'Item {i}'}</title><link>https://example.vn/{i}</link>"
        f"<guid isPermaLink=\"false\">g{i}</guid><description>{body}</description>{extra}</item>"
    )


def esc(html: str) -> str:
    return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ATTACKS = {
    "3,000 <category> on one item": lambda: rss(
        item(1, "x" * 1000, extra="".join(f"<category>tag {n}</category>" for n in range(3000)))
    ),
    "300-character <category>": lambda: rss(item(1, "x", extra=f"<category>{'a' * 300}</category>")),
    "'<ul>' * 100,000 in a description": lambda: rss(item(1, esc("<ul>" * 100_000))),
    "100,000 attributes on one tag": lambda: rss(
        item(1, esc("<p " + " ".join(f"a{n}=x" for n in range(100_000)) + ">x</p>"))
    ),
    "496,000 tiny items (15 MB)": lambda: rss("".join(f"<item><title>{n}</title></item>" for n in range(496_000))),
    "title entity-decoded twice": lambda: rss(
        item(1, "x", title="A &amp;lt;img src=x onerror=alert(1)&amp;gt; B")
    ),
    "billion laughs": lambda: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(9))
    + ']><rss version="2.0"><channel><title>&j;</title>'
    + item(1, "&j;")
    + "</channel></rss>",
}


def plant_symlink(tmp: str) -> None:
    """public/tag/item-1 → a folder outside the output: a build must not write through it."""
    os.makedirs(os.path.join(tmp, "public", "tag"), exist_ok=True)
    os.symlink(os.path.join(tmp, "outside"), os.path.join(tmp, "public", "tag", "x"))


def fifo_source(tmp: str) -> None:
    """The source file is a FIFO nobody writes to: reading it must not hang the build."""
    os.remove(os.path.join(tmp, "feed.xml"))
    os.mkfifo(os.path.join(tmp, "feed.xml"))


SETUPS = {
    "symlinked folder in the output (tag/x → outside)": (
        lambda: rss(item(1, "x", extra="<category>x</category>")),
        "",
        plant_symlink,
    ),
    "store named like an output file (store = index.html, output_dir = .)": (
        lambda: rss(item(1, "x")),
        "",
        lambda tmp: rewrite(tmp, 'output_dir = "public"\nstore = "feedmill.db"', 'output_dir = "."\nstore = "index.html"'),
    ),
    "source file is a FIFO": (lambda: rss(""), "", fifo_source),
}


def rewrite(tmp: str, old: str, new: str) -> None:
    path = os.path.join(tmp, "feeds.toml")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def run(name: str, doc: str, extra: str = "", setup=None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "feeds.toml"), "w") as f:
            f.write(CONFIG.format(extra=extra))
        with open(os.path.join(tmp, "feed.xml"), "w") as f:
            f.write(doc)
        outside = os.path.join(tmp, "outside")
        os.mkdir(outside)
        if setup:
            setup(tmp)
        p = subprocess.run(
            ["/usr/bin/time", "-v", BIN, "build", "--config", "feeds.toml"],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
        secs = 0.0
        if wall:
            h = int(wall.group(1) or 0)
            secs = h * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
        rss_kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        files = bytes_ = 0
        for root, _, names in os.walk(os.path.join(tmp, "public")):
            for n in names:
                files += 1
                bytes_ += os.path.getsize(os.path.join(root, n))
        stray = sum(len(n) for _, _, n in os.walk(outside))
        warn = next(
            (l for l in p.stderr.splitlines() if l.startswith(("warning:", "error:", "feeds.toml:"))),
            "",
        )
        warn = warn.replace(tmp, "…").replace("|", "\\|")
        print(
            f"| {name} | {secs:.2f} s | {int(rss_kb.group(1)) / 1024 if rss_kb else 0:.0f} MiB "
            f"| {files} files, {bytes_ / 1e6:.2f} MB | {stray} | {p.returncode} | {warn[:140]} |"
        )


def main() -> None:
    print("| attack | wall | peak memory | written | files outside | exit | first warning |")
    print("|---|---|---|---|---|---|---|")
    for name, make in ATTACKS.items():
        run(name, make())
    for name, (make, extra, setup) in SETUPS.items():
        run(name, make(), extra, setup)


if __name__ == "__main__":
    main()
