//! `[source.html]` selectors, parsed once per scrape.

use scraper::Selector;

use crate::config::HtmlCfg;

/// One parsed selector and the `[source.html]` key it came from.
#[derive(Debug, Clone)]
pub struct Sel {
    /// The key (`item`, `title`, `remove`, …).
    pub field: &'static str,
    /// The selector as written.
    pub text: String,
    /// Parsed.
    pub sel: Selector,
}

/// Every selector of a `[source.html]` table, parsed.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// `item`: one element per article on a listing page.
    pub item: Sel,
    /// `link`: the article link inside an item.
    pub link: Sel,
    /// `next`: the next listing page.
    pub next: Option<Sel>,
    /// `title`.
    pub title: Option<Sel>,
    /// `date`.
    pub date: Option<Sel>,
    /// `author`.
    pub author: Option<Sel>,
    /// `tags`.
    pub tags: Option<Sel>,
    /// `summary`.
    pub summary: Option<Sel>,
    /// `content`.
    pub content: Option<Sel>,
    /// `image`.
    pub image: Option<Sel>,
    /// `remove`, each.
    pub remove: Vec<Sel>,
}

fn parse(field: &'static str, text: &str) -> Result<Sel, String> {
    Selector::parse(text)
        .map(|sel| Sel {
            field,
            text: text.to_string(),
            sel,
        })
        .map_err(|e| format!("selector `{field}` = `{text}` is not valid CSS: {e}"))
}

impl Compiled {
    /// Parses `cfg`. An invalid or empty `item`/`link` is an error (nothing can be scraped);
    /// an invalid optional selector is reported in the returned warnings and treated as
    /// absent, so its metadata fallback still applies.
    pub fn new(cfg: &HtmlCfg) -> Result<(Compiled, Vec<String>), String> {
        let mut errors = Vec::new();
        let mut required = |field: &'static str, text: &str| {
            if text.trim().is_empty() {
                errors.push(format!("selector `{field}` is required and empty"));
                return None;
            }
            parse(field, text).map_err(|e| errors.push(e)).ok()
        };
        let item = required("item", &cfg.item);
        let link = required("link", &cfg.link);
        let (Some(item), Some(link)) = (item, link) else {
            return Err(errors.join("; "));
        };
        let mut warnings = Vec::new();
        let mut optional = |field: &'static str, text: &Option<String>| {
            let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
            parse(field, text).map_err(|e| warnings.push(e)).ok()
        };
        let compiled = Compiled {
            item,
            link,
            next: optional("next", &cfg.next),
            title: optional("title", &cfg.title),
            date: optional("date", &cfg.date),
            author: optional("author", &cfg.author),
            tags: optional("tags", &cfg.tags),
            summary: optional("summary", &cfg.summary),
            content: optional("content", &cfg.content),
            image: optional("image", &cfg.image),
            remove: Vec::new(),
        };
        let mut compiled = compiled;
        for text in &cfg.remove {
            if let Some(sel) = optional("remove", &Some(text.clone())) {
                compiled.remove.push(sel);
            }
        }
        Ok((compiled, warnings))
    }
}

/// Every problem with the selectors of `cfg` (invalid CSS, required ones empty), for
/// `feedmill check`; empty when all parse.
pub fn validate(cfg: &HtmlCfg) -> Vec<String> {
    match Compiled::new(cfg) {
        Ok((_, warnings)) => warnings,
        Err(e) => {
            let mut all = vec![e];
            // The optional ones are only checked once the required ones parse; check them
            // anyway so the operator sees every problem in one pass.
            let fixed = HtmlCfg {
                item: "a".into(),
                link: "a".into(),
                ..cfg.clone()
            };
            if let Ok((_, warnings)) = Compiled::new(&fixed) {
                all.extend(warnings);
            }
            all
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_selector_is_reported() {
        let cfg = HtmlCfg {
            item: "div[".into(),
            link: String::new(),
            title: Some("h1..x".into()),
            remove: vec![".ok".into(), ">>".into()],
            ..HtmlCfg::default()
        };
        let problems = validate(&cfg);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("`item` = `div[`"), "{problems:?}");
        assert!(problems[0].contains("`link` is required"), "{problems:?}");
        assert!(problems[1].contains("`title` = `h1..x`"), "{problems:?}");
        assert!(problems[2].contains("`remove` = `>>`"), "{problems:?}");
    }
}
