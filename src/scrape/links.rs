//! Article and next-page links: made absolute, stripped of tracking, and checked against
//! the hosts a listing may send feedmill to.

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};

use url::{Host, Url};

/// Query parameters that only track the click and never change the page.
fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid" | "gclid" | "dclid" | "gbraid" | "wbraid" | "msclkid" | "yclid" | "igshid"
        )
}

/// `url` without its fragment and tracking parameters (`utm_*`, `fbclid`, `gclid`, …);
/// the remaining parameters keep their order.
pub fn clean_url(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            out.set_query(None);
        } else {
            out.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    out
}

/// Resolves `href` (as written in an attribute) against `base`; `None` for empty, `#…`-only
/// or unparseable references.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    base.join(href).ok()
}

/// Where a listing may send feedmill: its own host(s) and the operator's `allow_hosts`.
///
/// A hostile or compromised listing must not make feedmill fetch internal addresses, so
/// anything not named here is skipped, with a message saying why.
#[derive(Debug, Clone)]
pub struct LinkPolicy {
    /// For a `file:` listing: the folder its links must stay in (decoded, normalized).
    file_dir: Option<PathBuf>,
    /// (host, explicit port) of the configured listing URL and of where it redirected.
    own: Vec<(String, Option<u16>)>,
    allow: Vec<String>,
}

impl LinkPolicy {
    /// The policy for a listing at `listing`, with the operator's extra `allow_hosts`
    /// (exact host names or IPs, or `*.example.vn` for every subdomain).
    pub fn new(listing: &Url, allow_hosts: &[String]) -> LinkPolicy {
        let mut policy = LinkPolicy {
            file_dir: (listing.scheme() == "file").then(|| {
                let path = listing.to_file_path().unwrap_or_default();
                normalize(path.parent().unwrap_or(Path::new("/")))
            }),
            own: Vec::new(),
            allow: allow_hosts
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        };
        policy.add_own(listing);
        policy
    }

    /// Also treats `url`'s host as the listing's own (the listing redirected there, e.g.
    /// from `example.vn` to `www.example.vn`).
    pub fn add_own(&mut self, url: &Url) {
        if let Some(host) = host_key(url) {
            let entry = (host, url.port());
            if !self.own.contains(&entry) {
                self.own.push(entry);
            }
        }
    }

    /// `Ok` when `url` may be fetched; otherwise why not.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        match url.scheme() {
            "http" | "https" => {}
            "file" => {
                return match &self.file_dir {
                    Some(dir) if file_inside(url, dir) => Ok(()),
                    Some(dir) => Err(format!(
                        "skipped {url}: outside the listing's folder {}",
                        dir.display()
                    )),
                    None => Err(format!(
                        "skipped {url}: file: links are followed only from a file: listing"
                    )),
                }
            }
            other => return Err(format!("skipped {url}: scheme `{other}:` is not followed")),
        }
        let Some(host) = host_key(url) else {
            return Err(format!("skipped {url}: no host"));
        };
        let own = self
            .own
            .iter()
            .any(|(h, port)| *h == host && *port == url.port());
        let named = self.allow.contains(&host);
        if own || named {
            return Ok(());
        }
        if let Some(ip) = ip_of(url) {
            if is_internal(ip) {
                return Err(format!(
                    "skipped {url}: {ip} is a private or local address and not the listing's host"
                ));
            }
        }
        let wildcard = self.allow.iter().any(|a| {
            a.strip_prefix("*.")
                .is_some_and(|suffix| host.ends_with(&format!(".{suffix}")))
        });
        if wildcard && ip_of(url).is_none() {
            return Ok(());
        }
        let listing = match self.own.first() {
            Some((h, _)) => format!("the listing's host {h}"),
            None => "a local file beside the listing".to_string(),
        };
        Err(format!(
            "skipped {url}: host {host} is not {listing} (name it in allow_hosts to follow it)"
        ))
    }
}

/// Whether the file `url` names lies inside `dir`: judged on the path as the file system
/// will see it (percent-decoded, so `..%2F` is a `..`; `.` and `..` resolved), and, when it
/// exists, on where its symlinks lead.
fn file_inside(url: &Url, dir: &Path) -> bool {
    let Ok(path) = url.to_file_path() else {
        return false;
    };
    let path = normalize(&path);
    if !path.starts_with(dir) {
        return false;
    }
    match (std::fs::canonicalize(&path), std::fs::canonicalize(dir)) {
        (Ok(real), Ok(real_dir)) => real.starts_with(real_dir),
        // Nothing there (yet): reading it fails on its own; the lexical check stands.
        _ => true,
    }
}

/// `path` with `.` dropped and each `..` taking away the component before it (never
/// above the root).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The host as compared: lowercase, without a trailing dot; IPv6 without brackets.
fn host_key(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Domain(d) => Some(d.trim_end_matches('.').to_ascii_lowercase()),
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

fn ip_of(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

pub use crate::fetch::is_internal;

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn tracking_parameters_and_fragment_are_dropped() {
        assert_eq!(
            clean_url(&u(
                "https://a.vn/x.html?utm_source=fb&id=3&fbclid=Z&gclid=Q#top"
            ))
            .as_str(),
            "https://a.vn/x.html?id=3"
        );
        assert_eq!(
            clean_url(&u("https://a.vn/x.html?UTM_Medium=m")).as_str(),
            "https://a.vn/x.html"
        );
    }

    #[test]
    fn same_host_is_followed_other_hosts_are_not() {
        let p = LinkPolicy::new(&u("https://baoyenbai.com.vn/12/list.aspx"), &[]);
        assert!(p.check(&u("https://baoyenbai.com.vn/12/a.aspx")).is_ok());
        assert!(p.check(&u("http://BAOYENBAI.com.vn/12/a.aspx")).is_ok());
        let err = p.check(&u("https://evil.example/a")).unwrap_err();
        assert!(err.contains("evil.example"), "{err}");
        assert!(p.check(&u("https://baoyenbai.com.vn:8080/a")).is_err());
    }

    #[test]
    fn allow_hosts_exact_and_wildcard() {
        let p = LinkPolicy::new(&u("https://a.vn/"), &["cdn.b.vn".into(), "*.c.vn".into()]);
        assert!(p.check(&u("https://cdn.b.vn/x")).is_ok());
        assert!(p.check(&u("https://news.c.vn/x")).is_ok());
        assert!(p.check(&u("https://c.vn.evil.example/x")).is_err());
        assert!(p.check(&u("https://b.vn/x")).is_err());
    }

    #[test]
    fn private_addresses_and_odd_schemes_are_refused() {
        let p = LinkPolicy::new(&u("https://a.vn/"), &[]);
        for bad in [
            "http://127.0.0.1/admin",
            "http://2130706433/",
            "http://10.0.0.5/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "ftp://a.vn/x",
        ] {
            assert!(p.check(&u(bad)).is_err(), "{bad} should be refused");
        }
        let err = p.check(&u("http://192.168.1.1/")).unwrap_err();
        assert!(err.contains("private"), "{err}");
    }

    #[test]
    fn a_local_listing_may_follow_its_own_host_and_file_links() {
        let p = LinkPolicy::new(&u("http://127.0.0.1:8080/index.html"), &[]);
        assert!(p.check(&u("http://127.0.0.1:8080/a.html")).is_ok());
        assert!(p.check(&u("http://127.0.0.1:9999/a.html")).is_err());
        let f = LinkPolicy::new(&u("file:///srv/site/index.html"), &[]);
        assert!(f.check(&u("file:///srv/site/a.html")).is_ok());
        assert!(f.check(&u("file:///srv/site/sub/b.html")).is_ok());
        assert!(f.check(&u("file:///etc/passwd")).is_err());
        assert!(f.check(&u("file:///srv/site/..%2Fsecret")).is_err());
        assert!(f.check(&u("file:///srv/site/a/..%2F..%2Fsecret")).is_err());
        assert!(f.check(&u("file:///srv/site/a/..%2Fb.html")).is_ok());
        assert!(f.check(&u("https://a.vn/")).is_err());
    }
}
