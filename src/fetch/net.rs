//! Which addresses are internal, and the DNS resolver that keeps requests away from them.
//!
//! A check of the URL alone sees IP literals and `localhost` only; any name can resolve to
//! 127.0.0.1 or 10.x. So the client used for requests that must stay public resolves names
//! through [`Resolver`], which drops internal addresses from the answer: the addresses
//! checked are the addresses connected to (no second lookup, no time-of-check gap).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// Names mapped to addresses before DNS is asked, as `/etc/hosts` entries would be:
/// lowercase names without a trailing dot.
pub(super) type HostTable = Arc<HashMap<String, Vec<IpAddr>>>;

/// A name whose every address is internal, refused for a request that must stay public.
#[derive(Debug)]
pub(super) struct InternalName {
    pub name: String,
    pub addrs: Vec<IpAddr>,
}

impl std::fmt::Display for InternalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addrs: Vec<String> = self.addrs.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{} resolves only to internal addresses ({}); refused",
            self.name,
            addrs.join(", ")
        )
    }
}

impl std::error::Error for InternalName {}

/// reqwest's resolver hook: the host table first, then the system resolver; with
/// `public_only`, internal addresses are dropped and a name left with none is an error.
#[derive(Debug, Clone)]
pub(super) struct Resolver {
    pub hosts: HostTable,
    pub public_only: bool,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        let name = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            let addrs: Vec<IpAddr> = match this.hosts.get(&name) {
                Some(ips) => ips.clone(),
                None => tokio::net::lookup_host((name.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect(),
            };
            let usable: Vec<SocketAddr> = addrs
                .iter()
                .filter(|ip| !(this.public_only && is_internal(**ip)))
                .map(|ip| SocketAddr::new(*ip, 0))
                .collect();
            if usable.is_empty() && !addrs.is_empty() {
                return Err(Box::new(InternalName { name, addrs }) as _);
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Loopback, private, link-local, shared (CGNAT), unspecified, broadcast, multicast and
/// documentation ranges: nothing a public news site links to.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let seg0 = v6.segments().first().copied().unwrap_or(0);
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)
        }
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

/// Whether `url` names an internal host: an internal IP literal, or `localhost`.
pub fn url_is_internal(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_hosts() {
        let internal = |s: &str| url_is_internal(&Url::parse(s).unwrap());
        for s in [
            "http://127.0.0.1/",
            "http://10.1.2.3/",
            "http://192.168.0.1:8080/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://localhost/",
            "http://api.localhost./",
            "http://100.64.0.1/",
        ] {
            assert!(internal(s), "{s}");
        }
        for s in [
            "https://baoyenbai.com.vn/",
            "http://8.8.8.8/",
            "http://[2001:4860::8888]/",
        ] {
            assert!(!internal(s), "{s}");
        }
    }
}
