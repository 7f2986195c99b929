//! Namespace scopes, kept by the reader itself: quick-xml's `NsReader` resolves every
//! event against its scope stack, while feeds declare their few prefixes once on the root.
//! This follows `NsReader`'s rules exactly (same scoping, same errors) but only looks at
//! attributes when an element has an `xmlns` in them, and resolves each declaration to an
//! [`Ns`] once instead of comparing URIs for every element.

use quick_xml::events::BytesStart;
use quick_xml::name::NamespaceError;

use super::names::{ns_from_prefix, ns_from_uri, Ns};
use super::util::find_bytes;

const XML_URI: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XMLNS_URI: &[u8] = b"http://www.w3.org/2000/xmlns/";

/// One `xmlns[:prefix]` declaration in scope.
struct Binding {
    /// Nesting level of the declaring element (root = 1).
    level: i64,
    /// The prefix; empty for the default namespace.
    prefix: Vec<u8>,
    /// What names with this prefix resolve to.
    ns: Ns,
}

/// The namespace declarations in scope.
#[derive(Default)]
pub struct Scopes {
    bindings: Vec<Binding>,
    level: i64,
    pending_pop: bool,
}

impl Scopes {
    /// Called before reading each event: closes the scope of the previous empty element
    /// or end tag.
    pub fn before_event(&mut self) {
        if self.pending_pop {
            self.pending_pop = false;
            self.level -= 1;
            let level = self.level;
            while self.bindings.last().is_some_and(|b| b.level > level) {
                self.bindings.pop();
            }
        }
    }

    /// Opens the scope of a tag the caller knows declares nothing (no `xmlns` in it).
    pub fn push_plain(&mut self, empty: bool) {
        self.level += 1;
        self.pending_pop |= empty;
    }

    /// Opens the scope of a start (or empty) tag, adding its declarations.
    pub fn push(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), NamespaceError> {
        self.level += 1;
        if empty {
            self.pending_pop = true;
        }
        let raw = e.attributes_raw();
        if raw.is_empty() || find_bytes(raw, b"xmlns").is_none() {
            return Ok(());
        }
        for a in e.attributes().with_checks(false) {
            let Ok(a) = a else { break };
            let key = a.key.as_ref();
            let Some(after) = key.strip_prefix(b"xmlns") else {
                continue;
            };
            let v: &[u8] = &a.value;
            let prefix = match after {
                [] => None,
                [b':', p @ ..] => Some(p),
                _ => continue,
            };
            let (prefix, ns) = match prefix {
                None => (
                    Vec::new(),
                    if v.is_empty() {
                        Ns::None
                    } else {
                        ns_from_uri(v)
                    },
                ),
                Some(b"xml") => {
                    if v != XML_URI {
                        return Err(NamespaceError::InvalidXmlPrefixBind(v.to_vec()));
                    }
                    continue;
                }
                Some(b"xmlns") => return Err(NamespaceError::InvalidXmlnsPrefixBind(v.to_vec())),
                Some(p) => {
                    if v == XML_URI {
                        return Err(NamespaceError::InvalidPrefixForXml(p.to_vec()));
                    } else if v == XMLNS_URI {
                        return Err(NamespaceError::InvalidPrefixForXmlns(p.to_vec()));
                    }
                    // An empty `xmlns:` binds the default namespace (as quick-xml reads it);
                    // `xmlns:p=""` unbinds `p`, which then reads as undeclared.
                    let ns = if p.is_empty() {
                        if v.is_empty() {
                            Ns::None
                        } else {
                            ns_from_uri(v)
                        }
                    } else if v.is_empty() {
                        ns_from_prefix(p)
                    } else {
                        ns_from_uri(v)
                    };
                    (p.to_vec(), ns)
                }
            };
            self.bindings.push(Binding {
                level: self.level,
                prefix,
                ns,
            });
        }
        Ok(())
    }

    /// Closes the scope of an end tag (when the next event is read).
    pub fn end(&mut self) {
        self.pending_pop = true;
    }

    /// The namespace of an element name.
    pub fn resolve(&self, name: &[u8]) -> Ns {
        let prefix = name
            .iter()
            .position(|&c| c == b':')
            .and_then(|i| name.get(..i));
        let found = self.bindings.iter().rev().find(|b| match prefix {
            None => b.prefix.is_empty(),
            Some(p) => !p.is_empty() && b.prefix == p,
        });
        match (found, prefix) {
            (Some(b), _) => b.ns,
            (None, Some(p)) => ns_from_prefix(p),
            (None, None) => Ns::None,
        }
    }
}
