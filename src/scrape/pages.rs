//! Fetching pages: the [`PageSource`] seam, a plain implementation for http(s) and
//! `file:` URLs, and decoding page bytes to text.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use url::Url;

use super::links::is_internal;

/// Longest wait for one local page (a regular file on a slow or hung file system).
const FILE_TIMEOUT: Duration = Duration::from_secs(30);

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The body as received (decompressed).
    pub body: Vec<u8>,
    /// The `Content-Type` header, if any (its charset is honoured when decoding).
    pub content_type: Option<String>,
    /// Where the page was finally read from, after redirects.
    pub final_url: Url,
}

/// The future [`PageSource::get`] returns.
pub type PageFuture<'a> = Pin<Box<dyn Future<Output = Result<Page, String>> + Send + 'a>>;

/// Whatever fetches pages for the scraper: the pipeline's polite fetcher, or
/// [`SimplePages`]. Errors are messages for the operator, naming the URL.
pub trait PageSource: Send + Sync {
    /// Fetches `url`.
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a>;
}

/// A plain [`PageSource`]: reqwest for http(s), the file system for `file:` URLs, at most
/// `limit` requests in flight and a cap on body size. No retries or conditional GET: that
/// is the fetch stage's job.
#[derive(Debug, Clone)]
pub struct SimplePages {
    client: reqwest::Client,
    permits: Arc<Semaphore>,
    max_bytes: usize,
}

impl SimplePages {
    /// A client with a 30 s timeout, `limit` requests in flight (at least 1) and bodies
    /// capped at 16 MiB.
    pub fn new(limit: usize) -> Result<SimplePages, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("feedmill/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                // A public page must not bounce feedmill to an internal address.
                let internal = |u: &Url| match u.host() {
                    Some(url::Host::Ipv4(ip)) => is_internal(ip.into()),
                    Some(url::Host::Ipv6(ip)) => is_internal(ip.into()),
                    _ => false,
                };
                let from_public = attempt.previous().first().is_some_and(|u| !internal(u));
                if attempt.previous().len() > 5 || (from_public && internal(attempt.url())) {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(SimplePages {
            client,
            permits: Arc::new(Semaphore::new(limit.max(1))),
            max_bytes: 16 * 1024 * 1024,
        })
    }

    async fn fetch(&self, url: &Url) -> Result<Page, String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| format!("{url}: not a local file path"))?;
                let body = crate::fetch::read_regular(&path, self.max_bytes as u64, FILE_TIMEOUT)
                    .await
                    .map_err(|e| format!("{url}: {e}"))?;
                Ok(Page {
                    body,
                    content_type: None,
                    final_url: url.clone(),
                })
            }
            "http" | "https" => {
                let mut resp = self
                    .client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(|e| format!("{url}: {e}"))?;
                let status = resp.status();
                if !status.is_success() {
                    return Err(format!("{url}: HTTP {status}"));
                }
                let content_type = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let final_url = resp.url().clone();
                let mut body = Vec::new();
                while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {e}"))? {
                    if body.len() + chunk.len() > self.max_bytes {
                        return Err(format!("{url}: larger than {} bytes", self.max_bytes));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Page {
                    body,
                    content_type,
                    final_url,
                })
            }
            other => Err(format!("{url}: scheme `{other}:` cannot be fetched")),
        }
    }
}

impl PageSource for SimplePages {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        Box::pin(self.fetch(url))
    }
}

/// Decodes page bytes: a BOM, else the `Content-Type` charset, else a `<meta charset>` in
/// the first 1024 bytes, else UTF-8 (invalid sequences replaced, never an error).
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let from_header = content_type.and_then(charset_param);
    let from_meta = || {
        let head = &body[..body.len().min(1024)];
        let head = String::from_utf8_lossy(head).to_ascii_lowercase();
        let at = head.find("charset=")?;
        let rest = head.get(at + "charset=".len()..)?;
        let label: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            .collect();
        encoding_rs::Encoding::for_label(label.as_bytes())
    };
    let encoding = from_header.or_else(from_meta).unwrap_or(encoding_rs::UTF_8);
    // `decode` lets a BOM override the declared encoding, as browsers do.
    let (text, _, _) = encoding.decode(body);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<&'static encoding_rs::Encoding> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| encoding_rs::Encoding::for_label(v.trim().trim_matches('"').as_bytes()))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_by_header_meta_bom_and_default() {
        let (cp1258, _, _) = encoding_rs::WINDOWS_1258.encode("Yên Bái");
        assert_eq!(
            decode(&cp1258, Some("text/html; charset=windows-1258")),
            "Yên Bái"
        );
        let mut page = b"<meta charset=\"windows-1258\">".to_vec();
        page.extend_from_slice(&cp1258);
        assert!(decode(&page, None).ends_with("Yên Bái"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("Yên Bái".as_bytes());
        assert_eq!(
            decode(&bom, Some("text/html; charset=iso-8859-1")),
            "Yên Bái"
        );
        assert_eq!(decode("Yên Bái".as_bytes(), None), "Yên Bái");
    }
}
