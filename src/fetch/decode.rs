//! Streaming, capped decoding of response bodies (gzip, deflate, br, identity).
//!
//! reqwest's own decompression is switched off because it has no cap on decompressed
//! bytes: a few MB of gzip can inflate to gigabytes. Here every decoder writes into a
//! [`CappedSink`] that refuses to grow past the cap, so memory stays bounded by the cap
//! whatever the compression ratio.

use std::io::{self, Write};

/// Why decoding stopped.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// More than the cap of decoded bytes.
    CapExceeded,
    /// The compressed stream is broken, or its encoding unsupported.
    Corrupt(String),
}

/// Largest reservation made before any byte arrived (caps above it grow by doubling).
const MAX_UPFRONT: usize = 64 * 1024 * 1024;

/// A byte buffer that errors instead of growing past `cap`.
#[derive(Debug)]
pub(crate) struct CappedSink {
    buf: Vec<u8>,
    cap: usize,
    exceeded: bool,
}

impl CappedSink {
    fn new(cap: usize) -> CappedSink {
        // Reserving the whole cap up front costs address space, not memory: large
        // allocations are mapped lazily, pages count only once written. It spares the
        // doubling reallocations that would briefly hold old and new buffers (1.5× cap).
        CappedSink {
            buf: Vec::with_capacity(cap.min(MAX_UPFRONT)),
            cap,
            exceeded: false,
        }
    }

    /// The body, its spare reserved capacity released.
    fn into_body(mut self) -> Vec<u8> {
        self.buf.shrink_to_fit();
        self.buf
    }
}

impl Write for CappedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.cap.saturating_sub(self.buf.len());
        if data.len() > room {
            self.exceeded = true;
            return Err(io::Error::other("decoded body exceeds the cap"));
        }
        let need = self.buf.len() + data.len();
        if need > self.buf.capacity() {
            // Vec's doubling would reserve up to twice the cap; never reserve past it.
            let target = need
                .max(self.buf.capacity().saturating_mul(2))
                .max(8 * 1024)
                .min(self.cap);
            self.buf
                .reserve_exact(target.saturating_sub(self.buf.len()));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One decoder per response, chosen from its `Content-Encoding`.
pub(crate) enum Decoder {
    /// No encoding.
    Identity(CappedSink),
    /// `gzip` / `x-gzip` (several members allowed, as in `cat a.gz b.gz`).
    Gzip(Box<flate2::write::MultiGzDecoder<CappedSink>>),
    /// `deflate` before its first two bytes arrived: zlib-wrapped or raw is not known yet.
    DeflatePending(Vec<u8>, usize),
    /// `deflate` as the RFC says: zlib-wrapped.
    Zlib(Box<flate2::write::ZlibDecoder<CappedSink>>),
    /// `deflate` as some servers send it: raw deflate.
    RawDeflate(Box<flate2::write::DeflateDecoder<CappedSink>>),
    /// `br`.
    Brotli(Box<brotli::DecompressorWriter<CappedSink>>),
}

impl Decoder {
    /// The decoder for a `Content-Encoding` header value (`None` = identity).
    pub(crate) fn new(content_encoding: Option<&str>, cap: usize) -> Result<Decoder, String> {
        let codings: Vec<String> = content_encoding
            .unwrap_or("")
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity")
            .collect();
        match codings.as_slice() {
            [] => Ok(Decoder::Identity(CappedSink::new(cap))),
            [one] => match one.as_str() {
                "gzip" | "x-gzip" => Ok(Decoder::Gzip(Box::new(
                    flate2::write::MultiGzDecoder::new(CappedSink::new(cap)),
                ))),
                "deflate" => Ok(Decoder::DeflatePending(Vec::new(), cap)),
                "br" => Ok(Decoder::Brotli(Box::new(brotli::DecompressorWriter::new(
                    CappedSink::new(cap),
                    32 * 1024,
                )))),
                other => Err(format!("unsupported Content-Encoding {other:?}")),
            },
            _ => Err(format!(
                "unsupported stacked Content-Encoding {:?}",
                content_encoding.unwrap_or("")
            )),
        }
    }

    /// Decoded bytes so far.
    pub(crate) fn decoded_len(&self) -> usize {
        self.sink().map_or(0, |s| s.buf.len())
    }

    fn sink(&self) -> Option<&CappedSink> {
        match self {
            Decoder::Identity(s) => Some(s),
            Decoder::Gzip(d) => Some(d.get_ref()),
            Decoder::DeflatePending(..) => None,
            Decoder::Zlib(d) => Some(d.get_ref()),
            Decoder::RawDeflate(d) => Some(d.get_ref()),
            Decoder::Brotli(d) => Some(d.get_ref()),
        }
    }

    /// Feeds one chunk of the (encoded) body.
    pub(crate) fn write(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        if let Decoder::DeflatePending(head, cap) = self {
            head.extend_from_slice(chunk);
            if head.len() < 2 {
                return Ok(());
            }
            let head = std::mem::take(head);
            *self = if looks_like_zlib(&head) {
                Decoder::Zlib(Box::new(flate2::write::ZlibDecoder::new(CappedSink::new(
                    *cap,
                ))))
            } else {
                Decoder::RawDeflate(Box::new(flate2::write::DeflateDecoder::new(
                    CappedSink::new(*cap),
                )))
            };
            return self.write(&head);
        }
        let result = match self {
            Decoder::Identity(s) => s.write_all(chunk),
            Decoder::Gzip(d) => d.write_all(chunk),
            Decoder::Zlib(d) => d.write_all(chunk),
            Decoder::RawDeflate(d) => d.write_all(chunk),
            Decoder::Brotli(d) => d.write_all(chunk),
            Decoder::DeflatePending(..) => Ok(()),
        };
        result.map_err(|e| self.classify(e))
    }

    /// Ends the stream and returns the decoded body.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>, DecodeError> {
        let result = match &mut self {
            Decoder::Identity(_) => Ok(()),
            Decoder::Gzip(d) => d.try_finish(),
            Decoder::Zlib(d) => d.try_finish(),
            Decoder::RawDeflate(d) => d.try_finish(),
            Decoder::Brotli(d) => d.close(),
            Decoder::DeflatePending(head, _) if head.is_empty() => Ok(()),
            Decoder::DeflatePending(..) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "deflate stream too short",
            )),
        };
        if let Err(e) = result {
            return Err(self.classify(e));
        }
        let sink = match self {
            Decoder::Identity(s) => s,
            Decoder::Gzip(d) => d
                .finish()
                .map_err(|e| DecodeError::Corrupt(e.to_string()))?,
            Decoder::Zlib(d) => d
                .finish()
                .map_err(|e| DecodeError::Corrupt(e.to_string()))?,
            Decoder::RawDeflate(d) => d
                .finish()
                .map_err(|e| DecodeError::Corrupt(e.to_string()))?,
            Decoder::Brotli(d) => d
                .into_inner()
                .map_err(|_| DecodeError::Corrupt("brotli stream not finished".into()))?,
            Decoder::DeflatePending(..) => CappedSink::new(0),
        };
        Ok(sink.into_body())
    }

    fn classify(&self, e: io::Error) -> DecodeError {
        if self.sink().is_some_and(|s| s.exceeded) {
            DecodeError::CapExceeded
        } else {
            DecodeError::Corrupt(e.to_string())
        }
    }
}

/// RFC 1950: CM = 8 (deflate), and the header's two bytes are a multiple of 31.
fn looks_like_zlib(head: &[u8]) -> bool {
    match head {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;

    fn decode(encoding: Option<&str>, body: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
        let mut d = Decoder::new(encoding, cap).map_err(DecodeError::Corrupt)?;
        for chunk in body.chunks(7) {
            d.write(chunk)?;
        }
        d.finish()
    }

    #[test]
    fn decodes_each_encoding() {
        let text = "Tin Yên Bái — Lục Yên ".repeat(100).into_bytes();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        zl.write_all(&text).unwrap();
        let zl = zl.finish().unwrap();
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&text).unwrap();
        let raw = raw.finish().unwrap();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).unwrap();
        }
        assert_eq!(decode(None, &text, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("gzip"), &gz, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("deflate"), &zl, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("deflate"), &raw, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("br"), &br, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("identity"), &text, 1 << 20).unwrap(), text);
    }

    #[test]
    fn stops_at_the_cap() {
        let zeros = vec![0u8; 1 << 20];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&zeros).unwrap();
        let gz = gz.finish().unwrap();
        assert!(matches!(
            decode(Some("gzip"), &gz, 1000),
            Err(DecodeError::CapExceeded)
        ));
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 9, 22);
            w.write_all(&zeros).unwrap();
        }
        assert!(br.len() < 1000, "brotli of zeros is {} bytes", br.len());
        assert!(matches!(
            decode(Some("br"), &br, 1000),
            Err(DecodeError::CapExceeded)
        ));
        let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
        zl.write_all(&zeros).unwrap();
        assert!(matches!(
            decode(Some("deflate"), &zl.finish().unwrap(), 1000),
            Err(DecodeError::CapExceeded)
        ));
        assert!(matches!(
            decode(None, &zeros, 1000),
            Err(DecodeError::CapExceeded)
        ));
        assert_eq!(decode(None, &zeros[..1000], 1000).unwrap().len(), 1000);
    }

    #[test]
    fn rejects_unknown_and_corrupt() {
        assert!(Decoder::new(Some("zstd"), 10).is_err());
        assert!(Decoder::new(Some("gzip, br"), 10).is_err());
        assert!(matches!(
            decode(Some("gzip"), b"not gzip at all", 1000),
            Err(DecodeError::Corrupt(_))
        ));
    }
}
