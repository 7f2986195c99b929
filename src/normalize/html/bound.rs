//! The HTML cost bounds, enforced before any tree builder sees the markup.
//!
//! html5ever's tree builder is quadratic in nesting depth (scope checks walk the stack of
//! open elements) and its tokenizer is quadratic in attributes per tag (each new attribute
//! is compared with every earlier one), so a 400 KB `'<ul>' * 100000` took 40 s. This pass
//! reads the markup once with a linear tokenizer ([`super::tokens`]) and writes it back in a canonical form — every attribute quoted and
//! escaped, text escaped, every element closed — in which no element is nested deeper than
//! [`Bounds::depth`] and no tag has more than [`Bounds::attributes`] attributes. Because the
//! output is canonical, the parser that reads it next sees exactly the elements written
//! here: the bound holds by construction, not by agreeing with html5ever on hostile input.
//!
//! Elements nested deeper than the limit are unwrapped (their text stays, the text of
//! hidden ones such as `<script>` goes); a start tag's attributes past the limit are
//! dropped; repeated `<html>`/`<head>`/`<body>` start tags are dropped (html5ever merges
//! their attributes into the first, again in quadratic time). Comments, processing
//! instructions and CDATA sections are dropped: the sanitizer removes them anyway.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::tokens::{tokenize, Mode, Sink};

use crate::config::LimitsCfg;

/// What one HTML document or fragment may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Bytes of markup read; the rest is cut on a character boundary.
    pub bytes: usize,
    /// Deepest element nesting written.
    pub depth: usize,
    /// Attributes written per element.
    pub attributes: usize,
}

impl Bounds {
    /// The bounds of an article's content or summary: all three of `[limits]`.
    pub fn content(limits: &LimitsCfg) -> Bounds {
        Bounds {
            bytes: limits.content_bytes,
            depth: limits.html_depth,
            attributes: limits.html_attributes,
        }
    }

    /// The bounds of a whole page (a scraped listing or article page): depth and
    /// attributes; its size is already capped by the fetcher's `max_bytes`.
    pub fn page(limits: &LimitsCfg) -> Bounds {
        Bounds {
            bytes: usize::MAX,
            ..Bounds::content(limits)
        }
    }
}

/// What [`bound`] cut, for the source's warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cuts {
    /// Bytes cut off the end.
    pub bytes: usize,
    /// Elements unwrapped because they were nested too deep.
    pub unwrapped: usize,
    /// Attributes dropped past the per-element limit.
    pub attributes: usize,
}

impl Cuts {
    /// Whether anything was cut.
    pub fn any(&self) -> bool {
        *self != Cuts::default()
    }

    /// One line saying what was cut and which limit cut it, e.g. for a warning
    /// `source X: item Y: content: {describe}`.
    pub fn describe(&self, b: &Bounds) -> String {
        let mut parts = Vec::new();
        if self.bytes > 0 {
            parts.push(format!(
                "{} bytes past limits.content_bytes = {} cut",
                self.bytes, b.bytes
            ));
        }
        if self.unwrapped > 0 {
            parts.push(format!(
                "{} elements nested deeper than limits.html_depth = {} unwrapped",
                self.unwrapped, b.depth
            ));
        }
        if self.attributes > 0 {
            parts.push(format!(
                "{} attributes past limits.html_attributes = {} per element dropped",
                self.attributes, b.attributes
            ));
        }
        parts.join("; ")
    }
}

/// `html` within `b`: borrowed when it holds no markup and fits, else rewritten (see the
/// module docs) even when nothing had to be cut, so every caller parses the same form.
pub fn bound<'a>(html: &'a str, b: &Bounds) -> (Cow<'a, str>, Cuts) {
    let mut cuts = Cuts::default();
    let kept = cut_bytes(html, b.bytes);
    cuts.bytes = html.len() - kept.len();
    if !kept.contains('<') {
        return (Cow::Borrowed(kept), cuts);
    }
    let mut w = Writer::new(b, kept.len());
    tokenize(kept, &mut w);
    w.finish();
    cuts.unwrapped = w.unwrapped;
    cuts.attributes = w.dropped_attributes;
    (Cow::Owned(w.out), cuts)
}

/// The longest prefix of `s` within `max` bytes that ends on a character boundary.
fn cut_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Elements without content or end tag, in HTML (not in SVG or MathML).
#[rustfmt::skip]
const VOID: &[&[u8]] = &[
    b"area", b"base", b"basefont", b"bgsound", b"br", b"col", b"embed", b"frame", b"hr",
    b"image", b"img", b"input", b"keygen", b"link", b"meta", b"param", b"source", b"track",
    b"wbr",
];

/// Start tags that close an open `<p>` (HTML's "close a p element").
#[rustfmt::skip]
const CLOSES_P: &[&[u8]] = &[
    b"address", b"article", b"aside", b"blockquote", b"center", b"dd", b"details", b"dialog",
    b"dir", b"div", b"dl", b"dt", b"fieldset", b"figcaption", b"figure", b"footer", b"form",
    b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"header", b"hgroup", b"hr", b"li", b"listing",
    b"main", b"menu", b"nav", b"ol", b"p", b"plaintext", b"pre", b"section", b"summary",
    b"table", b"ul", b"xmp",
];

/// Elements an implied close never crosses (HTML's scope boundaries).
#[rustfmt::skip]
const SCOPE: &[&[u8]] = &[
    b"applet", b"button", b"caption", b"html", b"marquee", b"object", b"table", b"td",
    b"template", b"th",
];

/// Elements that only mean something inside a `<table>`.
const TABLE_PARTS: &[&[u8]] = &[
    b"caption",
    b"col",
    b"colgroup",
    b"tbody",
    b"td",
    b"tfoot",
    b"th",
    b"thead",
    b"tr",
];

const HEADINGS: &[&[u8]] = &[b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"];

/// How far down the stack an implied close looks. Sloppy markup leaves a `<p>` or `<li>`
/// open under a few inline elements, not hundreds; a bounded look keeps every tag O(1).
const IMPLIED_REACH: usize = 32;

/// One open element.
struct Open {
    name: Box<[u8]>,
    /// Written to the output (false: unwrapped, past the depth limit).
    written: bool,
    /// Inside `<svg>` or `<math>`, where void names and raw-text names are ordinary.
    foreign: bool,
}

/// The start tag being read.
#[derive(Default)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

struct Writer {
    out: String,
    depth_limit: usize,
    attr_limit: usize,
    stack: Vec<Open>,
    written_depth: usize,
    open: FxHashMap<Box<[u8]>, usize>,
    tag: Tag,
    /// Text of the current raw-text element is dropped (an unwrapped `<script>`).
    drop_text: bool,
    /// The current raw-text element's kind, for escaping its text.
    raw: Raw,
    seen_root: [bool; 3],
    seen_tag: bool,
    unwrapped: usize,
    dropped_attributes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    Script,
    Style,
    /// Text the next parser decodes like any other (`<title>`, `<textarea>`).
    Text,
}

impl Sink for Writer {
    fn start(&mut self, name: &str) {
        self.tag.name.clear();
        self.tag.name.push_str(name);
        self.tag.attrs.clear();
    }

    fn attribute(&mut self, name: &str, value: &str) {
        if !attr_name_ok(name.as_bytes()) {
            return;
        }
        // A duplicate is ignored (the first one wins), as the HTML tokenizer does; the
        // check is over at most `attr_limit` names, so a tag costs O(attributes × limit).
        if self.tag.attrs.iter().any(|(n, _)| n == name) {
            return;
        }
        if self.tag.attrs.len() >= self.attr_limit {
            self.dropped_attributes += 1;
            return;
        }
        self.tag.attrs.push((name.to_string(), value.to_string()));
    }

    fn close_start(&mut self, self_closing: bool) -> Mode {
        let name = std::mem::take(&mut self.tag.name);
        let mode = self.start_tag(&name, self_closing);
        self.tag.name = name;
        mode
    }

    fn end(&mut self, name: &str) {
        self.drop_text = false;
        // An end tag with nothing of its name open is dropped in O(1); one that matches
        // closes everything opened after it (each element is popped once: linear).
        if self.open.get(name.as_bytes()).is_none_or(|n| *n == 0) {
            return;
        }
        if let Some(i) = self.stack.iter().rposition(|o| &*o.name == name.as_bytes()) {
            self.pop_to(i);
        }
    }

    fn text(&mut self, text: &str) {
        // As written: a `<` never reaches here (the tokenizer splits on it) and
        // character references mean to the next parser what they meant here.
        self.out.push_str(text);
    }

    fn raw_text(&mut self, text: &str) {
        if self.drop_text {
            return;
        }
        // Script and style text is read raw by the next parser, so it is written raw; a
        // `<` could start markup if that parser does not agree this is raw text, so it
        // is written as the language's own escape (`\u003c` in JSON-LD and script
        // strings, `\3c ` in CSS), which adds no markup either way.
        let lt = match self.raw {
            Raw::Script => "\\u003c",
            Raw::Style => "\\3c ",
            Raw::Text => "&lt;",
        };
        for (i, part) in text.split('<').enumerate() {
            if i > 0 {
                self.out.push_str(lt);
            }
            self.out.push_str(part);
        }
    }

    fn doctype(&mut self, html: bool) {
        // Only the standards-mode doctype is written back; any other leaves the parser
        // in quirks mode, as most legacy doctypes would.
        if html && !self.seen_tag {
            self.out.push_str("<!DOCTYPE html>");
            self.seen_tag = true;
        }
    }
}

impl Writer {
    fn new(b: &Bounds, len: usize) -> Writer {
        Writer {
            out: String::with_capacity(len + len / 8),
            depth_limit: b.depth,
            attr_limit: b.attributes,
            stack: Vec::new(),
            written_depth: 0,
            open: FxHashMap::default(),
            tag: Tag::default(),
            drop_text: false,
            raw: Raw::Text,
            seen_root: [false; 3],
            seen_tag: false,
            unwrapped: 0,
            dropped_attributes: 0,
        }
    }

    fn foreign(&self) -> bool {
        self.stack.last().is_some_and(|o| o.foreign)
    }

    fn start_tag(&mut self, name: &str, self_closing: bool) -> Mode {
        self.drop_text = false;
        let bytes = name.as_bytes();
        // A name no canonical form can spell (`<a"b>`) is unwrapped like an unknown tag
        // the sanitizer would drop anyway.
        if !tag_name_ok(bytes) {
            return Mode::Data;
        }
        let foreign = self.foreign();
        if let Some(i) = ["html", "head", "body"].iter().position(|r| *r == name) {
            if self.seen_root[i] {
                return Mode::Data;
            }
            self.seen_root[i] = true;
        }
        if !foreign {
            self.implied_closes(bytes);
            self.open_table_for(bytes);
        }
        let void = !foreign && VOID.contains(&bytes);
        let fits = self.written_depth < self.depth_limit;
        if fits || void {
            self.write_start(name);
            self.seen_tag = true;
        } else {
            self.unwrapped += 1;
        }
        if void {
            return Mode::Data;
        }
        let now_foreign = foreign || name == "svg" || name == "math";
        if now_foreign && self_closing {
            // `<path/>` in SVG has no content; written out as `<path></path>` so that a
            // parser which left SVG earlier than this pass did still closes it.
            if fits {
                self.write_end(bytes);
            }
            return Mode::Data;
        }
        self.push(bytes, fits, now_foreign);
        if foreign {
            return Mode::Data;
        }
        let (mode, raw) = match name {
            "script" => (Mode::RawUntilEnd, Raw::Script),
            "style" => (Mode::RawUntilEnd, Raw::Style),
            "xmp" | "iframe" | "noembed" | "noframes" | "noscript" | "textarea" | "title" => {
                (Mode::RawUntilEnd, Raw::Text)
            }
            "plaintext" => (Mode::Plain, Raw::Text),
            _ => return Mode::Data,
        };
        self.raw = raw;
        // An unwrapped element's hidden text must not turn into visible text.
        self.drop_text = !fits && !matches!(name, "xmp" | "textarea" | "plaintext");
        mode
    }

    /// A table part outside any table (`<td>` in a fragment cut from a page) gets a
    /// `<table>` around it: HTML would drop the tag and flatten the cells into text.
    fn open_table_for(&mut self, name: &[u8]) {
        if TABLE_PARTS.contains(&name) && self.open.get(&b"table"[..]).is_none_or(|n| *n == 0) {
            let fits = self.written_depth < self.depth_limit;
            if fits {
                self.out.push_str("<table>");
            }
            self.push(b"table", fits, false);
        }
    }

    /// Closes what HTML closes implicitly at this start tag (`<p>` after `<p>`, `<li>`
    /// after `<li>`), so that sloppy markup does not count as deep nesting.
    fn implied_closes(&mut self, name: &[u8]) {
        if CLOSES_P.contains(&name) {
            self.close_near(&[b"p"], SCOPE);
        }
        match name {
            b"li" => self.close_near(&[b"li"], &[b"ul", b"ol", b"table", b"td", b"th"]),
            b"dd" | b"dt" => self.close_near(&[b"dd", b"dt"], &[b"dl", b"table", b"td"]),
            b"option" => self.close_near(&[b"option"], &[b"select", b"datalist"]),
            b"optgroup" => self.close_near(&[b"option", b"optgroup"], &[b"select"]),
            b"tr" => self.close_near(&[b"tr"], &[b"table", b"thead", b"tbody", b"tfoot"]),
            b"td" | b"th" => self.close_near(&[b"td", b"th"], &[b"tr", b"table"]),
            b"thead" | b"tbody" | b"tfoot" => {
                self.close_near(&[b"thead", b"tbody", b"tfoot"], &[b"table"]);
            }
            b"a" | b"nobr" | b"button" => self.close_near(&[name], SCOPE),
            _ if HEADINGS.contains(&name)
                && self
                    .stack
                    .last()
                    .is_some_and(|o| HEADINGS.contains(&&*o.name)) =>
            {
                self.pop_to(self.stack.len() - 1);
            }
            _ => {}
        }
    }

    /// Closes the nearest open element named in `targets`, when it is within
    /// [`IMPLIED_REACH`] of the top and no `boundary` (or SVG/MathML) lies between.
    fn close_near(&mut self, targets: &[&[u8]], boundary: &[&[u8]]) {
        if !targets
            .iter()
            .any(|t| self.open.get(*t).is_some_and(|n| *n > 0))
        {
            return;
        }
        let found = self
            .stack
            .iter()
            .enumerate()
            .rev()
            .take(IMPLIED_REACH)
            .take_while(|(_, o)| !o.foreign)
            .find(|(_, o)| targets.contains(&&*o.name) || boundary.contains(&&*o.name))
            .filter(|(_, o)| targets.contains(&&*o.name))
            .map(|(i, _)| i);
        if let Some(i) = found {
            self.pop_to(i);
        }
    }

    fn push(&mut self, name: &[u8], written: bool, foreign: bool) {
        *self.open.entry(name.into()).or_insert(0) += 1;
        self.written_depth += usize::from(written);
        self.stack.push(Open {
            name: name.into(),
            written,
            foreign,
        });
    }

    /// Pops the stack down to (and including) index `i`, closing what was written.
    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            let Some(o) = self.stack.pop() else { break };
            if let Some(n) = self.open.get_mut(&o.name) {
                *n = n.saturating_sub(1);
            }
            if o.written {
                self.written_depth -= 1;
                self.write_end(&o.name);
            }
        }
    }

    fn write_start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        for (n, v) in &self.tag.attrs {
            self.out.push(' ');
            self.out.push_str(n);
            self.out.push_str("=\"");
            // As written, less the quote: the next parser decodes references the same.
            for (i, part) in v.split('"').enumerate() {
                if i > 0 {
                    self.out.push_str("&quot;");
                }
                self.out.push_str(part);
            }
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn write_end(&mut self, name: &[u8]) {
        self.out.push_str("</");
        self.out
            .push_str(std::str::from_utf8(name).unwrap_or_default());
        self.out.push('>');
    }

    fn finish(&mut self) {
        self.pop_to(0);
    }
}

/// Tag names written back: what the HTML tokenizer would read as the same one name.
fn tag_name_ok(name: &[u8]) -> bool {
    name.first().is_some_and(u8::is_ascii_alphabetic) && name.iter().all(|&c| name_byte(c))
}

fn attr_name_ok(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| name_byte(c))
}

fn name_byte(c: u8) -> bool {
    !matches!(c, b'"' | b'\'' | b'<' | b'>' | b'=' | b'/' | b'`') && c > b' ' && c != 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds {
        bytes: usize::MAX,
        depth: 4,
        attributes: 2,
    };

    fn b(html: &str) -> (String, Cuts) {
        let (s, c) = bound(html, &B);
        (s.into_owned(), c)
    }

    #[test]
    fn canonical_form_of_plain_markup() {
        let (s, c) =
            b(r#"<P class=x title='a "b" &amp;'>Tom &amp; <b>Jerry</b><br/>x<!-- c -->1 < 2</p>"#);
        assert_eq!(
            s,
            r#"<p class="x" title="a &quot;b&quot; &amp;">Tom &amp; <b>Jerry</b><br>x1 &lt; 2</p>"#
        );
        assert!(!c.any());
        assert_eq!(b("no markup &amp; entities").0, "no markup &amp; entities");
    }

    #[test]
    fn deep_elements_are_unwrapped_and_their_text_kept() {
        let (s, c) = b("<div><div><div><div><div><i>x</i></div></div>y</div></div></div>");
        assert_eq!(s, "<div><div><div><div>x</div>y</div></div></div>");
        assert_eq!(c.unwrapped, 2);
    }

    #[test]
    fn attributes_past_the_limit_are_dropped_duplicates_ignored() {
        let (s, c) = b(r#"<img src=a src=b alt=c title=d width=e>"#);
        assert_eq!(s, r#"<img src="a" alt="c">"#);
        assert_eq!(c.attributes, 2);
    }

    #[test]
    fn sloppy_paragraphs_and_items_are_not_deep() {
        let (s, c) = b("<p>1<p>2<p>3<p>4<p>5<ul><li>a<li>b<li>c<li>d<li>e</ul>");
        assert_eq!(
            s,
            "<p>1</p><p>2</p><p>3</p><p>4</p><p>5</p><ul><li>a</li><li>b</li><li>c</li><li>d</li><li>e</li></ul>"
        );
        assert!(!c.any());
    }

    #[test]
    fn raw_text_stays_raw_and_unwrapped_scripts_lose_their_text() {
        let (s, _) = b(r#"<script type="application/ld+json">{"a":"x<b>&amp;"}</SCRIPT >"#);
        assert_eq!(
            s,
            r#"<script type="application/ld+json">{"a":"x\u003cb>&amp;"}</script>"#
        );
        let (s, c) = b("<a><a><b><b><i><script>alert(1)</script>t</i></b></b></a></a>");
        assert!(!s.contains("alert"), "{s}");
        assert!(s.contains('t'), "{s}");
        assert!(c.unwrapped >= 1);
        assert_eq!(b("<title>a<b>c</title>").0, "<title>a&lt;b>c</title>");
    }

    #[test]
    fn svg_self_closing_and_unknown_end_tags() {
        assert_eq!(
            b(r#"<svg><path d="M0"/><rect/></svg></x></p>"#).0,
            r#"<svg><path d="M0"></path><rect></rect></svg>"#
        );
    }

    #[test]
    fn table_parts_outside_a_table_get_one() {
        assert_eq!(
            b("<td>1</td><td>2</td>").0,
            "<table><td>1</td><td>2</td></table>"
        );
        assert_eq!(
            b("<table><tr><td>1").0,
            "<table><tr><td>1</td></tr></table>"
        );
    }

    #[test]
    fn bytes_are_cut_on_a_character_boundary() {
        let bounds = Bounds { bytes: 5, ..B };
        let (s, c) = bound("<p>Lục</p>", &bounds);
        assert_eq!(s, "<p>L</p>");
        assert_eq!(c.bytes, "<p>Lục</p>".len() - 4);
    }

    #[test]
    fn repeated_root_tags_are_dropped() {
        let (s, _) = b("<html a=1><body b=1><html c=1><body d=1>x");
        assert_eq!(s, r#"<html a="1"><body b="1">x</body></html>"#);
    }
}
