//! CSS selectors for elements found by inference: candidates from the most robust (one
//! class) to the most specific (scoped by an ancestor), each checked by the caller against
//! every page it must work on.

use scraper::{ElementRef, Html, Selector};

/// Whether `s` can be written as a CSS identifier without escaping, and looks hand-written
/// rather than generated (no long digit runs: `post-12345` names one article, not a kind).
pub fn stable_ident(s: &str) -> bool {
    let mut chars = s.chars();
    let starts_ok = match (chars.next(), chars.next()) {
        (Some('-'), Some(c)) => c.is_ascii_alphabetic() || c == '_',
        (Some(c), _) => c.is_ascii_alphabetic() || c == '_',
        (None, _) => false,
    };
    let ident = starts_ok
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let digit_run = s
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    let generated = ["css-", "sc-", "jsx-", "svelte-", "ng-"]
        .iter()
        .any(|p| s.starts_with(p));
    ident && s.len() <= 48 && digit_run < 3 && !generated
}

/// The element's stable classes, in the order written (read from the attribute: the
/// parsed class set has no stable order, and inferred selectors must be deterministic).
pub fn classes(el: ElementRef<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in el
        .value()
        .attr("class")
        .unwrap_or_default()
        .split_ascii_whitespace()
    {
        if stable_ident(c) && !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

/// `tag.class1.class2` for the element, with its stable classes.
pub fn compound(el: ElementRef<'_>) -> String {
    let mut s = el.value().name().to_string();
    for c in classes(el) {
        s.push('.');
        s.push_str(&c);
    }
    s
}

/// The element's stable id, if it has one.
pub fn stable_id(el: ElementRef<'_>) -> Option<&str> {
    el.value().id().filter(|id| stable_ident(id))
}

/// Ways to name an ancestor as a scope: `#id`, `tag.class` for each class.
fn scopes(el: ElementRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(id) = stable_id(el) {
        out.push(format!("#{id}"));
    }
    let tag = el.value().name();
    for c in classes(el) {
        out.push(format!("{tag}.{c}"));
    }
    out
}

/// Selectors for `el` alone, most robust first: one class, every class, the tag, then
/// each of those scoped by the nearest ancestors that have an id or a class.
pub fn candidates(el: ElementRef<'_>) -> Vec<String> {
    let tag = el.value().name();
    let cls = classes(el);
    let mut own: Vec<String> = cls.iter().map(|c| format!("{tag}.{c}")).collect();
    if cls.len() > 1 {
        own.push(compound(el));
    }
    if let Some(id) = stable_id(el) {
        own.push(format!("{tag}#{id}"));
    }
    if let Some(prop) = el.value().attr("itemprop").filter(|p| stable_ident(p)) {
        own.push(format!("{tag}[itemprop=\"{prop}\"]"));
    }
    own.push(tag.to_string());
    let mut out = own.clone();
    let mut scoped = 0;
    for anc in el.ancestors().filter_map(ElementRef::wrap) {
        if matches!(anc.value().name(), "html" | "body") || scoped >= 4 {
            break;
        }
        let names = scopes(anc);
        if names.is_empty() {
            continue;
        }
        scoped += 1;
        for scope in names {
            for o in &own {
                out.push(format!("{scope} {o}"));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// Whether the element part of `css` (its last compound) names a class, id or attribute:
/// what a hint found by class (`.author`, `.sapo`) must keep, since a bare `div` matches
/// the page's first one.
pub fn specific(css: &str) -> bool {
    css.rsplit([' ', '>', '+'])
        .next()
        .is_some_and(|last| last.contains(['.', '#', '[']))
}

/// The elements `css` matches in `doc`, or `None` when it does not parse.
pub fn select<'a>(doc: &'a Html, css: &str) -> Option<Vec<ElementRef<'a>>> {
    let sel = Selector::parse(css).ok()?;
    Some(doc.select(&sel).collect())
}

/// The elements `css` matches inside `el` (and `el` itself when it matches), in order.
pub fn select_in<'a>(el: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let Ok(sel) = Selector::parse(css) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if sel.matches(&el) {
        out.push(el);
    }
    out.extend(el.select(&sel));
    out
}

/// The element's text, whitespace collapsed.
pub fn text(el: ElementRef<'_>) -> String {
    crate::text::collapse_ws(&el.text().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_generated_names() {
        for ok in [
            "entry-title",
            "list_news",
            "col-md-4",
            "h1x",
            "_x",
            "-webkit",
        ] {
            assert!(stable_ident(ok), "{ok}");
        }
        for bad in ["post-12345", "css-1x2y3z", "2col", "a:b", "", "--x", "-1"] {
            assert!(!stable_ident(bad), "{bad}");
        }
    }

    #[test]
    fn specific_selectors_name_a_class_id_or_attribute() {
        assert!(
            specific("div.sapo")
                && specific("article #by")
                && specific("span[itemprop=\"author\"]")
        );
        assert!(!specific("div") && !specific("div.detail span"));
    }

    #[test]
    fn candidates_go_from_one_class_to_scoped() {
        let doc = Html::parse_document(
            r#"<div id="main"><ul class="list"><li class="item big post-123"><a>x</a></li></ul></div>"#,
        );
        let li = select(&doc, "li").unwrap()[0];
        let c = candidates(li);
        assert_eq!(c[..4], ["li.item", "li.big", "li.item.big", "li"]);
        assert!(c.contains(&"ul.list li.item".to_string()), "{c:?}");
        assert!(c.contains(&"#main li".to_string()), "{c:?}");
    }
}
