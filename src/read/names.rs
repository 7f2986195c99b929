//! Element identity: namespace URIs (and, for undeclared prefixes, their usual spellings)
//! and case-insensitive local names, mapped to the handful of elements the reader acts on.

/// The namespaces the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// No namespace (RSS 0.9x/2.0).
    None,
    /// RSS 1.0 `http://purl.org/rss/1.0/`.
    Rss1,
    /// RSS 0.90 `http://my.netscape.com/rdf/simple/0.9/`.
    Rss090,
    /// RDF syntax.
    Rdf,
    /// Atom 1.0.
    Atom,
    /// Atom 0.3.
    Atom03,
    /// `content:` module.
    Content,
    /// Dublin Core elements.
    Dc,
    /// Dublin Core terms.
    Dcterms,
    /// Media RSS.
    Media,
    /// iTunes podcast tags.
    Itunes,
    /// XHTML (`xhtml:body`).
    Xhtml,
    /// Anything else.
    Other,
}

/// Namespace from its URI. Feeds spell the known ones with `https`, in capitals, with or
/// without the final slash; none of those spellings names another vocabulary, so they are
/// all read as the namespace they mean.
pub fn ns_from_uri(uri: &[u8]) -> Ns {
    let uri = uri.trim_ascii();
    let rest = strip_prefix_ignore_case(uri, b"http://")
        .or_else(|| strip_prefix_ignore_case(uri, b"https://"))
        .unwrap_or(uri);
    let rest = rest.strip_suffix(b"/").unwrap_or(rest);
    let mut buf = [0u8; 48];
    let Some(dst) = buf.get_mut(..rest.len()) else {
        return Ns::Other;
    };
    for (d, &c) in dst.iter_mut().zip(rest) {
        *d = c.to_ascii_lowercase();
    }
    match &*dst {
        b"purl.org/rss/1.0" => Ns::Rss1,
        b"my.netscape.com/rdf/simple/0.9" => Ns::Rss090,
        b"www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
        b"www.w3.org/2005/atom" => Ns::Atom,
        b"purl.org/atom/ns#" => Ns::Atom03,
        b"purl.org/rss/1.0/modules/content" => Ns::Content,
        b"purl.org/dc/elements/1.1" | b"purl.org/dc/elements/1.0" => Ns::Dc,
        b"purl.org/dc/terms" => Ns::Dcterms,
        b"search.yahoo.com/mrss" | b"video.search.yahoo.com/mrss" => Ns::Media,
        b"www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
        b"www.w3.org/1999/xhtml" => Ns::Xhtml,
        _ => Ns::Other,
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Namespace guessed from an undeclared prefix's usual spelling.
pub fn ns_from_prefix(prefix: &[u8]) -> Ns {
    let mut buf = [0u8; 16];
    match lower(prefix, &mut buf) {
        b"content" => Ns::Content,
        b"dc" => Ns::Dc,
        b"dcterms" => Ns::Dcterms,
        b"media" => Ns::Media,
        b"itunes" => Ns::Itunes,
        b"atom" | b"atom10" => Ns::Atom,
        b"rdf" => Ns::Rdf,
        b"xhtml" => Ns::Xhtml,
        _ => Ns::Other,
    }
}

/// ASCII-lowercases `s` into `buf`; names longer than the buffer become empty (no element
/// the reader cares about is that long).
pub fn lower<'b>(s: &[u8], buf: &'b mut [u8; 16]) -> &'b [u8] {
    let Some(dst) = buf.get_mut(..s.len()) else {
        return &[];
    };
    for (d, &c) in dst.iter_mut().zip(s) {
        *d = c.to_ascii_lowercase();
    }
    dst
}

/// The elements the reader acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum El {
    /// `<rss>` root.
    Rss,
    /// `<rdf:RDF>` root.
    RdfRoot,
    /// Atom `<feed>` root.
    Feed,
    /// RSS/RDF `<channel>`.
    Channel,
    /// RSS/RDF `<item>`.
    Item,
    /// Atom `<entry>`.
    Entry,
    /// `title`.
    Title,
    /// `link` (RSS text or Atom attributes).
    Link,
    /// RSS `description`.
    Description,
    /// Atom `summary` (0.3 `tagline` at feed level).
    Summary,
    /// Atom `content`.
    Content,
    /// RSS `guid`.
    Guid,
    /// Atom `id`.
    Id,
    /// RSS `pubDate`.
    PubDate,
    /// Atom `published`.
    Published,
    /// Atom `updated` (also `atom:updated` in RSS).
    Updated,
    /// Atom 0.3 `issued`.
    Issued,
    /// Atom 0.3 `modified`.
    Modified,
    /// Atom 0.3 `created`.
    Created,
    /// `author` (RSS text or Atom person).
    Author,
    /// Atom person `name`.
    Name,
    /// Atom person `email`.
    Email,
    /// `category` (RSS text or Atom `term`/`label`).
    Category,
    /// RSS `enclosure`.
    Enclosure,
    /// RSS `language`.
    Language,
    /// `dc:creator` / `dc:contributor`.
    DcCreator,
    /// `dc:date`.
    DcDate,
    /// `dc:subject`.
    DcSubject,
    /// `dc:language`.
    DcLanguage,
    /// `dc:title`.
    DcTitle,
    /// `dc:identifier`.
    DcIdentifier,
    /// `dcterms:modified`.
    DctModified,
    /// `dcterms:issued` / `dcterms:created`.
    DctIssued,
    /// `content:encoded`.
    ContentEncoded,
    /// `media:content`.
    MediaContent,
    /// `media:thumbnail`.
    MediaThumbnail,
    /// `itunes:image`.
    ItunesImage,
    /// `itunes:summary`.
    ItunesSummary,
    /// `itunes:author`.
    ItunesAuthor,
    /// `itunes:keywords`.
    ItunesKeywords,
    /// `dc:description`.
    DcDescription,
    /// `media:group`.
    MediaGroup,
    /// `media:title`.
    MediaTitle,
    /// `media:description`.
    MediaDescription,
    /// `media:keywords`.
    MediaKeywords,
    /// `xhtml:body`, or `body` in the feed's own vocabulary.
    Body,
    /// `fullitem` (escaped HTML content).
    FullItem,
    /// `categories` / `tags`: a list of categories nested in one element.
    TagList,
    /// CDF `ABSTRACT` (a summary).
    Abstract,
    /// `atom:link` inside RSS.
    AtomLink,
    /// `<html>`: a web page, not a feed.
    Html,
    /// Anything the reader ignores.
    Other,
}

/// Classifies an element. `core` says whether `ns` counts as the feed's own vocabulary
/// (no namespace, RSS 1.0/0.90, Atom, or the unknown default namespace of the root).
pub fn classify(ns: Ns, local: &[u8], core: bool) -> El {
    let mut buf = [0u8; 16];
    let l = lower(local, &mut buf);
    if core {
        return match l {
            b"rss" => El::Rss,
            b"feed" => El::Feed,
            b"channel" => El::Channel,
            b"item" => El::Item,
            b"entry" => El::Entry,
            b"title" => El::Title,
            b"link" => El::Link,
            b"description" => El::Description,
            b"summary" | b"tagline" => El::Summary,
            b"content" => El::Content,
            b"guid" => El::Guid,
            b"id" => El::Id,
            b"pubdate" => El::PubDate,
            b"published" => El::Published,
            b"updated" => El::Updated,
            b"issued" => El::Issued,
            b"modified" => El::Modified,
            b"created" => El::Created,
            b"author" => El::Author,
            b"name" => El::Name,
            b"email" => El::Email,
            b"category" => El::Category,
            b"enclosure" => El::Enclosure,
            b"language" => El::Language,
            b"html" => El::Html,
            b"rdf" => El::RdfRoot,
            b"body" => El::Body,
            b"fullitem" => El::FullItem,
            b"categories" | b"tags" => El::TagList,
            b"abstract" => El::Abstract,
            _ => El::Other,
        };
    }
    match (ns, l) {
        (Ns::Rdf, b"rdf") => El::RdfRoot,
        (Ns::Dc, b"creator") | (Ns::Dc, b"contributor") => El::DcCreator,
        (Ns::Dc, b"date") => El::DcDate,
        (Ns::Dc, b"subject") => El::DcSubject,
        (Ns::Dc, b"language") => El::DcLanguage,
        (Ns::Dc, b"title") => El::DcTitle,
        (Ns::Dc, b"identifier") => El::DcIdentifier,
        (Ns::Dcterms, b"modified") => El::DctModified,
        (Ns::Dcterms, b"issued") | (Ns::Dcterms, b"created") => El::DctIssued,
        (Ns::Content, b"encoded") => El::ContentEncoded,
        (Ns::Media, b"content") => El::MediaContent,
        (Ns::Media, b"thumbnail") => El::MediaThumbnail,
        (Ns::Itunes, b"image") => El::ItunesImage,
        (Ns::Itunes, b"summary") => El::ItunesSummary,
        (Ns::Itunes, b"author") => El::ItunesAuthor,
        (Ns::Itunes, b"keywords") => El::ItunesKeywords,
        (Ns::Dc, b"description") => El::DcDescription,
        (Ns::Media, b"group") => El::MediaGroup,
        (Ns::Media, b"title") => El::MediaTitle,
        (Ns::Media, b"description") => El::MediaDescription,
        (Ns::Media, b"keywords") => El::MediaKeywords,
        (Ns::Xhtml, b"body") => El::Body,
        (Ns::Atom, b"link") => El::AtomLink,
        (Ns::Atom, b"updated") => El::Updated,
        _ => El::Other,
    }
}

/// Remembers the last classifications: a feed names the same dozen elements in every item,
/// and comparing 16 bytes beats lowercasing and matching a name against every known one.
pub struct Classifier {
    slots: [Slot; 16],
}

#[derive(Clone, Copy)]
struct Slot {
    name: [u8; 16],
    len: u8,
    ns: Ns,
    core: bool,
    el: El,
}

impl Default for Classifier {
    fn default() -> Self {
        let empty = Slot {
            name: [0; 16],
            len: u8::MAX,
            ns: Ns::None,
            core: false,
            el: El::Other,
        };
        Classifier { slots: [empty; 16] }
    }
}

impl Classifier {
    /// [`classify`], remembered.
    #[inline]
    pub fn classify(&mut self, ns: Ns, local: &[u8], core: bool) -> El {
        let mut name = [0u8; 16];
        let Some(dst) = name.get_mut(..local.len()) else {
            return classify(ns, local, core);
        };
        dst.copy_from_slice(local);
        let first = usize::from(local.first().copied().unwrap_or(0));
        let last = usize::from(local.last().copied().unwrap_or(0));
        // Chosen so that the dozen names of an RSS item or an Atom entry (namespaced or not)
        // fall in different slots but for two pairs; the sum of length, first and last
        // byte alone had title/guid and others evicting each other in every item.
        let i = (local.len() + 7 * first + 15 * last + 3 * (ns as usize)) & 15;
        let Some(slot) = self.slots.get_mut(i) else {
            return classify(ns, local, core);
        };
        if usize::from(slot.len) == local.len()
            && slot.name == name
            && slot.ns == ns
            && slot.core == core
        {
            return slot.el;
        }
        let el = classify(ns, local, core);
        *slot = Slot {
            name,
            len: local.len() as u8,
            ns,
            core,
            el,
        };
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache answers as `classify` does, whatever the order, case and collisions.
    #[test]
    fn the_classifier_cache_agrees_with_classify() {
        let names: &[&[u8]] = &[
            b"item",
            b"title",
            b"TITLE",
            b"link",
            b"guid",
            b"pubDate",
            b"creator",
            b"date",
            b"subject",
            b"encoded",
            b"content",
            b"thumbnail",
            b"image",
            b"summary",
            b"entry",
            b"author",
            b"name",
            b"category",
            b"updated",
            b"x",
            b"",
            b"averyveryverylongname",
            b"modified",
            b"issued",
            b"identifier",
            b"language",
            b"Item",
        ];
        let spaces = [
            Ns::None,
            Ns::Atom,
            Ns::Dc,
            Ns::Media,
            Ns::Content,
            Ns::Other,
        ];
        let mut cache = Classifier::default();
        for round in 0..3 {
            for (i, &name) in names.iter().enumerate() {
                for (j, &ns) in spaces.iter().enumerate() {
                    let core = (i + j + round) % 2 == 0;
                    assert_eq!(
                        cache.classify(ns, name, core),
                        classify(ns, name, core),
                        "{:?} {ns:?} {core}",
                        String::from_utf8_lossy(name)
                    );
                }
            }
        }
    }
}
