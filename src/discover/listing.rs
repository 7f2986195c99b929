//! A listing page → the selectors of its article list: the largest group of repeated blocks,
//! alike in tag and class, that each link to one distinct same-host article page, outside
//! the page's furniture (navigation, footer, sidebars, "most read" boxes, ads); the link
//! inside each block; and the link to the next listing page.

use std::collections::{BTreeMap, HashMap, HashSet};

use ego_tree::NodeId;
use scraper::{ElementRef, Html};
use url::Url;

use super::select::{self, candidates, compound, select, select_in, text};
use super::signals::{junk_heading, junk_tag, junk_tokens, shaped, Shape};
use crate::scrape::clean_url;

/// Fewest blocks that make a list (a lead story repeated in the list counts once toward
/// [`MIN_ARTICLES`], but as a block here).
const MIN_BLOCKS: usize = 3;
/// Fewest distinct articles a list links to.
const MIN_ARTICLES: usize = 2;
/// How far above a link its block may be.
const MAX_LEVELS: usize = 6;

/// What the listing page gave.
#[derive(Debug, Clone)]
pub struct Listing {
    /// `item`: one element per article.
    pub item: String,
    /// `link`: the article link inside an item.
    pub link: String,
    /// The articles in listing order, each with the title the listing shows.
    pub articles: Vec<(Url, String)>,
    /// `next` and the page it leads to.
    pub next: Option<(String, Url)>,
    /// What was found and left out, for the operator.
    pub notes: Vec<String>,
}

/// A link to a same-host page that looks like an article.
struct Cand<'a> {
    a: ElementRef<'a>,
    url: Url,
}

/// For every element, the first candidate link inside it (itself included) and whether
/// another article's link is there too: answers "does this block link to one article"
/// without rescanning the page (a list's container holds thousands).
struct Index<'c> {
    inside: HashMap<NodeId, (&'c Url, bool)>,
}

impl<'c> Index<'c> {
    fn new(cands: &'c [Cand<'_>]) -> Index<'c> {
        let mut inside: HashMap<NodeId, (&'c Url, bool)> = HashMap::new();
        for c in cands {
            for id in lineage(c.a) {
                let entry = inside.entry(id).or_insert((&c.url, false));
                entry.1 |= *entry.0 != c.url;
            }
        }
        Index { inside }
    }

    /// The one article `el` links to, or `None` when it links to none or to several.
    fn one(&self, el: ElementRef<'_>) -> Option<&'c Url> {
        match self.inside.get(&el.id()) {
            Some((u, false)) => Some(u),
            _ => None,
        }
    }
}

/// `el` and its ancestors' ids.
fn lineage(el: ElementRef<'_>) -> impl Iterator<Item = NodeId> + '_ {
    std::iter::once(el.id()).chain(el.ancestors().map(|a| a.id()))
}

/// The page's base URL: its `<base href>`, else where it was read from.
pub fn base_of(doc: &Html, page_url: &Url) -> Url {
    select(doc, "base[href]")
        .and_then(|b| b.first().and_then(|e| e.attr("href")).map(str::to_string))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

/// `href` resolved against `base` and cleaned as the scraper cleans article links.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    base.join(href).ok().map(|u| clean_url(&u))
}

/// Same scheme-less origin: host (ignoring a `www.` prefix) and port.
pub fn same_site(a: &Url, b: &Url) -> bool {
    let host = |u: &Url| {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
    };
    host(a).is_some()
        && host(a) == host(b)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn in_furniture(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(junk_tag)
}

/// The box title of `el`: its first heading, when one comes before any link.
fn box_heading(el: ElementRef<'_>) -> Option<String> {
    for node in el.descendants().skip(1) {
        let Some(e) = ElementRef::wrap(node) else {
            continue;
        };
        match e.value().name() {
            "a" => return None,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => return Some(text(e)),
            _ => {}
        }
    }
    None
}

fn links<'a>(doc: &'a Html, base: &Url, page_url: &Url, shape: Shape) -> Vec<Cand<'a>> {
    let page = clean_url(page_url);
    let mut out = Vec::new();
    for a in select(doc, "a[href]").unwrap_or_default() {
        let Some(url) = a.attr("href").and_then(|h| resolve(base, h)) else {
            continue;
        };
        if url == page || !same_site(&url, page_url) || !shaped(&url, shape) || in_furniture(a) {
            continue;
        }
        out.push(Cand { a, url });
    }
    out
}

/// Drops the links inside furniture named by class, id or box heading. A box holding at
/// least half the page's article links is the content, whatever its class says (a theme's
/// `content-sidebar-wrap` wraps both).
fn drop_furniture(cands: Vec<Cand<'_>>) -> (Vec<Cand<'_>>, Vec<Cand<'_>>) {
    let mut inside: HashMap<NodeId, usize> = HashMap::new();
    for c in &cands {
        for anc in c.a.ancestors() {
            *inside.entry(anc.id()).or_default() += 1;
        }
    }
    let total = cands.len();
    let mut verdict: HashMap<NodeId, bool> = HashMap::new();
    cands.into_iter().partition(|c| {
        !std::iter::once(c.a)
            .chain(c.a.ancestors().filter_map(ElementRef::wrap))
            .any(|e| {
                if matches!(e.value().name(), "html" | "body") {
                    return false;
                }
                *verdict.entry(e.id()).or_insert_with(|| {
                    let n = inside.get(&e.id()).copied().unwrap_or(0);
                    n * 2 < total
                        && (junk_tokens(e) || box_heading(e).is_some_and(|h| junk_heading(&h)))
                })
            })
    })
}

/// One block of a group: the element, the first article URL inside it, and whether it
/// links to another article too.
struct Block<'a> {
    el: ElementRef<'a>,
    url: Url,
    many: bool,
}

/// Structural key of an element: its compound and its ancestors' up to `<body>`.
fn path_key(el: ElementRef<'_>, memo: &mut HashMap<NodeId, String>) -> String {
    if let Some(k) = memo.get(&el.id()) {
        return k.clone();
    }
    let mut parts = vec![compound(el)];
    for anc in el.ancestors().filter_map(ElementRef::wrap) {
        if matches!(anc.value().name(), "html") {
            break;
        }
        parts.push(compound(anc));
    }
    let key = parts.join(" < ");
    memo.insert(el.id(), key.clone());
    key
}

/// Whether a block's tag or class says "one article" (`article`, `li`, `.item`, `.post`).
fn semantic(el: ElementRef<'_>) -> bool {
    const WORDS: &[&str] = &[
        "item", "post", "card", "story", "article", "news", "entry", "teaser", "tin", "bai",
    ];
    matches!(el.value().name(), "article" | "li")
        || select::classes(el).iter().any(|c| {
            c.to_ascii_lowercase()
                .split(['-', '_'])
                .any(|w| WORDS.contains(&w))
        })
}

/// The elements `css` matches, when they are exactly a list: every block of `good`, and
/// otherwise only elements that each hold one article link and are not nested. `Err` holds
/// the matched elements that are not article blocks (an ad dressed as an item).
fn accept<'a>(
    doc: &'a Html,
    css: &str,
    good: &HashSet<NodeId>,
    index: &Index<'_>,
) -> Result<Vec<ElementRef<'a>>, Vec<ElementRef<'a>>> {
    let matched = select(doc, css).ok_or_else(Vec::new)?;
    let ids: HashSet<NodeId> = matched.iter().map(|e| e.id()).collect();
    if !good.iter().all(|g| ids.contains(g)) {
        return Err(Vec::new());
    }
    let mut strays = Vec::new();
    for e in &matched {
        if e.ancestors().any(|a| ids.contains(&a.id())) {
            return Err(Vec::new());
        }
        if good.contains(&e.id()) {
            continue;
        }
        if index.one(*e).is_none() || in_furniture(*e) {
            strays.push(*e);
        }
    }
    if strays.is_empty() {
        Ok(matched)
    } else {
        Err(strays)
    }
}

/// `css`, or `css` with `:not(.class)` for each stray it matched when every stray has a
/// class no list block has (`div.item:not(.sponsored)`), if that is exactly the list.
fn accept_or_refine<'a>(
    doc: &'a Html,
    css: &str,
    good: &[ElementRef<'a>],
    good_ids: &HashSet<NodeId>,
    index: &Index<'_>,
) -> Option<(String, Vec<ElementRef<'a>>)> {
    let strays = match accept(doc, css, good_ids, index) {
        Ok(m) => return Some((css.to_string(), m)),
        Err(strays) if !strays.is_empty() => strays,
        Err(_) => return None,
    };
    let listed: HashSet<String> = good.iter().flat_map(|b| select::classes(*b)).collect();
    let mut nots: Vec<String> = Vec::new();
    for stray in strays {
        let own = select::classes(stray)
            .into_iter()
            .find(|c| !listed.contains(c))?;
        if !nots.contains(&own) {
            nots.push(own);
        }
    }
    let refined = format!(
        "{css}{}",
        nots.iter()
            .map(|c| format!(":not(.{c})"))
            .collect::<String>()
    );
    accept(doc, &refined, good_ids, index)
        .ok()
        .map(|m| (refined, m))
}

/// The URL the scraper would take from `block` with `link`: the first match with an href.
pub fn link_of(block: ElementRef<'_>, link: &str, base: &Url) -> Option<Url> {
    select_in(block, link)
        .into_iter()
        .find_map(|a| a.attr("href"))
        .and_then(|h| resolve(base, h))
}

/// A `link` selector that finds each block's own article link.
fn link_selector(blocks: &[(ElementRef<'_>, Url)], base: &Url) -> Option<String> {
    let mut tries: Vec<String> = vec!["a".into()];
    tries.extend((1..=6).map(|n| format!("h{n} a")));
    if let Some((el, url)) = blocks.first() {
        for a in select_in(*el, "a[href]") {
            if a.attr("href").and_then(|h| resolve(base, h)).as_ref() == Some(url) {
                tries.extend(select::classes(a).iter().map(|c| format!("a.{c}")));
                if let Some(p) = a.parent().and_then(ElementRef::wrap) {
                    tries.push(format!("{} > a", compound(p)));
                }
            }
        }
    }
    tries.into_iter().find(|css| {
        blocks
            .iter()
            .all(|(el, url)| link_of(*el, css, base).as_ref() == Some(url))
    })
}

/// The title a listing block shows for its article: its heading, else its longest link text.
fn block_title(el: ElementRef<'_>, url: &Url, base: &Url) -> String {
    if let Some(h) = select_in(el, "h1, h2, h3, h4, h5, h6")
        .into_iter()
        .map(text)
        .find(|t| !t.is_empty())
    {
        return h;
    }
    select_in(el, "a[href]")
        .into_iter()
        .filter(|a| a.attr("href").and_then(|h| resolve(base, h)).as_ref() == Some(url))
        .map(text)
        .max_by_key(|t| t.chars().count())
        .unwrap_or_default()
}

/// Infers the article list of a listing page fetched from `page_url`: among links that look
/// like articles', else among any page links (a site whose URLs say nothing).
pub fn infer(html: &str, page_url: &Url) -> Result<Listing, String> {
    match infer_with(html, page_url, Shape::Article) {
        Ok(l) => Ok(l),
        Err(strict) => infer_with(html, page_url, Shape::Page)
            .map(|mut l| {
                l.notes.push(
                    "the site's article URLs do not look like articles'; the list was found by its repeated blocks alone".into(),
                );
                l
            })
            .map_err(|_| strict),
    }
}

fn infer_with(html: &str, page_url: &Url, shape: Shape) -> Result<Listing, String> {
    let doc = Html::parse_document(html);
    let base = base_of(&doc, page_url);
    let all = links(&doc, &base, page_url, shape);
    if all.is_empty() {
        return Err(format!(
            "{page_url} links to no page of its own site that looks like an article"
        ));
    }
    let (cands, dropped) = drop_furniture(all);
    let mut notes = Vec::new();
    if !dropped.is_empty() {
        notes.push(format!(
            "left out {} article links in menus, sidebars, \"most read\" boxes and ads",
            dropped.len()
        ));
    }

    let mut memo = HashMap::new();
    let mut groups: BTreeMap<String, (Vec<Block<'_>>, HashMap<NodeId, usize>)> = BTreeMap::new();
    for c in &cands {
        let mut el = c.a;
        for _ in 0..=MAX_LEVELS {
            if matches!(el.value().name(), "body" | "html") {
                break;
            }
            // Each block also under its tag alone, so that variants of one list
            // (`div.item` and `div.item.featured`) group together.
            let exact = path_key(el, &mut memo);
            let loose = match el.parent().and_then(ElementRef::wrap) {
                Some(p) => format!("{} < {}", el.value().name(), path_key(p, &mut memo)),
                None => exact.clone(),
            };
            let keys = if loose == exact {
                vec![exact]
            } else {
                vec![exact, loose]
            };
            for key in keys {
                let (blocks, index) = groups.entry(key).or_default();
                let i = *index.entry(el.id()).or_insert_with(|| {
                    blocks.push(Block {
                        el,
                        url: c.url.clone(),
                        many: false,
                    });
                    blocks.len() - 1
                });
                if let Some(b) = blocks.get_mut(i) {
                    b.many |= b.url != c.url;
                }
            }
            match el.parent().and_then(ElementRef::wrap) {
                Some(p) => el = p,
                None => break,
            }
        }
    }
    // (distinct articles, semantic block, shallower path) — the largest list of the
    // biggest blocks that still hold one article each.
    let mut ranked: Vec<(usize, bool, usize, &String)> = Vec::new();
    for (key, (blocks, _)) in &groups {
        let good: Vec<&Block<'_>> = blocks.iter().filter(|b| !b.many).collect();
        let distinct: HashSet<&Url> = good.iter().map(|b| &b.url).collect();
        if good.len() < MIN_BLOCKS
            || distinct.len() < MIN_ARTICLES
            || good.len() * 5 < blocks.len() * 4
        {
            continue;
        }
        let depth = key.matches(" < ").count();
        ranked.push((distinct.len(), semantic(good[0].el), depth, key));
    }
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(b.3))
    });
    let Some(&(_, _, _, key)) = ranked.first() else {
        return Err(format!(
            "{page_url}: found no list of at least {MIN_BLOCKS} repeated blocks that each link to one article ({} article links on the page, at least {MIN_ARTICLES} distinct needed)",
            cands.len()
        ));
    };
    let (blocks, _) = &groups[key];
    let good: Vec<&Block<'_>> = blocks.iter().filter(|b| !b.many).collect();
    let good_ids: HashSet<NodeId> = good.iter().map(|b| b.el.id()).collect();
    let first = good[0].el;
    let mut tries = candidates(first);
    // Last resort: the full child path from <body>.
    let path: Vec<String> = std::iter::once(first)
        .chain(first.ancestors().filter_map(ElementRef::wrap))
        .take_while(|e| e.value().name() != "html")
        .map(compound)
        .collect();
    tries.push(path.iter().rev().cloned().collect::<Vec<_>>().join(" > "));
    let good_els: Vec<ElementRef<'_>> = good.iter().map(|b| b.el).collect();
    let index = Index::new(&cands);
    let (item, matched) = tries
        .iter()
        .find_map(|css| accept_or_refine(&doc, css, &good_els, &good_ids, &index))
        .ok_or_else(|| {
            format!(
                "{page_url}: found a list of {} articles (`{}`) but no CSS selector that picks exactly its blocks",
                good.len(),
                compound(first)
            )
        })?;
    // Each matched element with the one article it links to.
    let per_block: Vec<(ElementRef<'_>, Url)> = matched
        .iter()
        .filter_map(|e| index.one(*e).map(|u| (*e, u.clone())))
        .collect();
    let link = link_selector(&per_block, &base).ok_or_else(|| {
        format!("{page_url}: no `link` selector finds each block's article link in `{item}`")
    })?;
    let (item, per_block) = match leads(&doc, &matched, &cands, &index, &dropped, &link, &base) {
        Some((extra, blocks)) => {
            notes.push(format!(
                "the list's column also leads with {} article(s) of other markup: `{}`",
                blocks.len(),
                extra.join("`, `")
            ));
            let mut all: Vec<(ElementRef<'_>, Url)> = per_block.into_iter().chain(blocks).collect();
            // Document order, as the scraper reads them.
            let order: HashMap<NodeId, usize> = doc
                .root_element()
                .descendants()
                .enumerate()
                .map(|(i, n)| (n.id(), i))
                .collect();
            all.sort_by_key(|(e, _)| order.get(&e.id()).copied().unwrap_or(usize::MAX));
            (
                std::iter::once(item)
                    .chain(extra)
                    .collect::<Vec<_>>()
                    .join(", "),
                all,
            )
        }
        None => (item, per_block),
    };
    let mut seen = HashSet::new();
    let articles: Vec<(Url, String)> = per_block
        .iter()
        .filter(|(_, u)| seen.insert(u.clone()))
        .map(|(el, u)| (u.clone(), block_title(*el, u, &base)))
        .collect();
    let listed: HashSet<&Url> = articles.iter().map(|(u, _)| u).collect();
    let outside: HashSet<&Url> = cands
        .iter()
        .map(|c| &c.url)
        .filter(|u| !listed.contains(u))
        .collect();
    if !outside.is_empty() {
        notes.push(format!(
            "{} other article links on the page are outside the list and left out",
            outside.len()
        ));
    }
    let next = super::next::next_page(&doc, &base, page_url);
    Ok(Listing {
        item,
        link,
        articles,
        next,
        notes,
    })
}

/// Article blocks of other markup in the list's own column (a front page's lead story
/// above the list): the column is the list's highest ancestor holding no furniture link.
/// Each lead is the highest block there that links to one article and holds no list
/// block, named by a selector matching it alone. `None` when there are none, or when a
/// lead cannot be named or its link is not found by `link`.
#[allow(clippy::type_complexity)]
fn leads<'a>(
    doc: &'a Html,
    list: &[ElementRef<'a>],
    cands: &[Cand<'a>],
    index: &Index<'_>,
    dropped: &[Cand<'a>],
    link: &str,
    base: &Url,
) -> Option<(Vec<String>, Vec<(ElementRef<'a>, Url)>)> {
    let first = *list.first()?;
    let furniture: HashSet<NodeId> = dropped.iter().flat_map(|d| lineage(d.a)).collect();
    let column = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| !matches!(a.value().name(), "body" | "html"))
        .take_while(|a| !furniture.contains(&a.id()))
        .last()?;
    let listed: HashSet<NodeId> = list.iter().map(|b| b.id()).collect();
    // Elements holding a list block: a lead never reaches up to one of them.
    let above_list: HashSet<NodeId> = list.iter().flat_map(|b| lineage(*b)).collect();
    let mut taken: HashSet<NodeId> = HashSet::new();
    let mut blocks: Vec<(ElementRef<'a>, Url)> = Vec::new();
    for c in cands {
        let up: Vec<NodeId> = lineage(c.a).collect();
        if up
            .iter()
            .any(|id| listed.contains(id) || taken.contains(id))
            || !up.contains(&column.id())
        {
            continue;
        }
        let block = std::iter::once(c.a)
            .chain(c.a.ancestors().filter_map(ElementRef::wrap))
            .take_while(|e| e.id() != column.id())
            .take_while(|e| index.one(*e).is_some() && !above_list.contains(&e.id()))
            .last()?;
        taken.insert(block.id());
        blocks.push((block, c.url.clone()));
        if blocks.len() > 3 {
            return None;
        }
    }
    if blocks.is_empty() || blocks.len() > 3 {
        return None;
    }
    let mut names = Vec::new();
    for (b, url) in &blocks {
        if link_of(*b, link, base).as_ref() != Some(url) {
            return None;
        }
        let css = candidates(*b)
            .into_iter()
            .find(|css| select(doc, css).is_some_and(|m| m.len() == 1 && m[0].id() == b.id()))?;
        if !names.contains(&css) {
            names.push(css);
        }
    }
    Some((names, blocks))
}

/// The articles a listing page gives with `item` and `link`, in order, each with the title
/// the listing shows.
pub fn articles_with(html: &str, page_url: &Url, item: &str, link: &str) -> Vec<(Url, String)> {
    let doc = Html::parse_document(html);
    let base = base_of(&doc, page_url);
    let mut seen = HashSet::new();
    select(&doc, item)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|b| link_of(b, link, &base).map(|u| (b, u)))
        .filter(|(_, u)| seen.insert(u.clone()))
        .map(|(b, u)| {
            let title = block_title(b, &u, &base);
            (u, title)
        })
        .collect()
}

#[cfg(test)]
mod tests;
