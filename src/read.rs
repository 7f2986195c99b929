//! Bytes → [`RawFeed`]: format detection, encodings, and lenient streaming parsing on
//! quick-xml (RSS, RDF, Atom) and serde_json (JSON Feed).

use std::fmt;

use url::Url;

use crate::model::RawFeed;

/// Why a document could not be read as a feed at all. Recoverable problems are
/// warnings in [`RawFeed::warnings`] instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// What went wrong.
    pub message: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// Feeds an HTML page advertises with `<link rel="alternate">`, absolute.
    pub alternates: Vec<String>,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        f.write_str(&self.message)?;
        if !self.alternates.is_empty() {
            write!(f, " (the page advertises: {})", self.alternates.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// Reads one feed document.
///
/// `content_type` is the HTTP `Content-Type` header, if any (its charset takes part in
/// encoding detection); `base_url` is the document's own URL, against which relative links
/// resolve when no `xml:base` says otherwise.
pub fn read_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    base_url: Option<&Url>,
) -> Result<RawFeed, ReadError> {
    let _ = (bytes, content_type, base_url);
    Err(ReadError {
        message: "reader not written yet".into(),
        line: None,
        column: None,
        alternates: vec![],
    })
}
