//! feedmill: reads the sources listed in `feeds.toml` (RSS, Atom, JSON Feed, HTML pages),
//! normalizes every article into one [`model::Article`], and writes one RSS 2.0, one
//! Atom 1.0 and one JSON Feed 1.1 feed per tag, per category and for the merged "other
//! news" feed, with RFC 5005 archive pages of their history and optional daily digests,
//! plus OPML and an HTML index.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`config`] → [`fetch`] → [`read`] → [`normalize`] → [`emit`], driven by [`pipeline`].
//! [`serve`] is the long-running HTTP server (`feedmill serve`) over the same pipeline.
//! [`text`] holds the small text helpers (NFC, slugs, tag identity) every stage shares.

pub mod config;
pub mod discover;
pub mod emit;
pub mod enrich;
pub mod fetch;
pub mod filter;
pub mod inspect;
pub mod model;
pub mod normalize;
pub mod onboard;
pub mod pipeline;
pub mod publish;
pub mod read;
pub mod scrape;
pub mod serve;
pub mod store;
pub mod text;
pub mod worker;
