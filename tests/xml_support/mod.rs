//! The XML-level view the feed tests check documents through: every element with its
//! path of names, attributes and text. Shared by `emit_support` and `formats_support`.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

/// One element: its path of names, attributes and text.
#[derive(Debug, Default, Clone)]
pub struct El {
    pub path: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
}

/// Every element of `xml`, with the namespace declarations of the root.
pub fn elements(xml: &str) -> Vec<El> {
    let mut r = Reader::from_str(xml);
    let mut names: Vec<String> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut out: Vec<El> = Vec::new();
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).expect("utf8");
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    attrs.insert(
                        String::from_utf8(a.key.as_ref().to_vec()).expect("utf8"),
                        a.unescape_value().expect("attr value").into_owned(),
                    );
                }
                names.push(name);
                out.push(El {
                    path: names.join("/"),
                    attrs,
                    text: String::new(),
                });
                if matches!(ev, Event::Empty(_)) {
                    names.pop();
                } else {
                    open.push(out.len() - 1);
                }
            }
            Event::End(_) => {
                names.pop();
                open.pop();
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&t.unescape().expect("text"));
                }
            }
            Event::CData(t) => {
                if let Some(&i) = open.last() {
                    out[i]
                        .text
                        .push_str(std::str::from_utf8(&t.into_inner()).expect("utf8"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

pub fn find<'a>(els: &'a [El], path: &str) -> Vec<&'a El> {
    els.iter().filter(|e| e.path == path).collect()
}

pub fn texts(els: &[El], path: &str) -> Vec<String> {
    find(els, path).iter().map(|e| e.text.clone()).collect()
}
