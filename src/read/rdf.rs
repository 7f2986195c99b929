//! RSS 1.0 (RDF) and RSS 0.90: the same `title`/`link`/`description` core as RSS 0.9x,
//! items as siblings of the channel, and the version told by the namespace.

use quick_xml::events::BytesStart;

use super::names::{El, Ns};
use super::xml::State;
use crate::model::FeedFormat;

/// An element directly inside an RDF item; RSS 1.0's core is RSS 0.9x's.
#[inline]
pub fn item_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    super::rss::item_field(st, el, e, empty, start)
}

/// An element directly inside the RDF channel.
pub fn channel_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    super::rss::channel_field(st, el, e, empty, start)
}

/// An RDF document whose channel or items are in the RSS 0.90 namespace is RSS 0.90.
pub fn note_version(st: &mut State<'_>, ns: Ns) {
    if st.format == Some(FeedFormat::Rdf) && ns == Ns::Rss090 {
        st.feed.version = "0.90".into();
    }
}
