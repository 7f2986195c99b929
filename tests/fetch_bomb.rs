//! A gzip bomb is stopped at the cap, and memory stays bounded by the cap.
//!
//! Alone in its own test binary so that no other test's allocations blur the peak-RSS
//! measurement.

mod support;

use std::io::Read;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use feedmill::fetch::Validators;
use flate2::{Compress, Compression, FlushCompress};
use support::{config, expect_failed, fetcher, peak_rss, serve, source};

const MIB: usize = 1024 * 1024;

/// A valid gzip stream of `mib` MiB of zeros, made without compressing all of them: one
/// MiB is deflated with a full flush (which makes the block self-contained), that block is
/// repeated, and an empty final block and the gzip trailer close the stream.
fn gzip_bomb(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; MIB];
    let mut block = Vec::with_capacity(64 * 1024);
    let mut c = Compress::new(Compression::best(), false);
    c.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .expect("deflate");
    assert_eq!(c.total_in(), MIB as u64, "one MiB consumed in one call");
    let mut one = flate2::Crc::new();
    one.update(&zeros);
    let mut crc = flate2::Crc::new();
    for _ in 0..mib {
        crc.combine(&one);
    }
    let mut out = Vec::with_capacity(block.len() * mib + 32);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]); // final, fixed-Huffman, empty block
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&((mib * MIB) as u32).to_le_bytes());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_bomb_is_stopped_at_the_cap_with_bounded_memory() {
    // The generator makes valid gzip: a small bomb decodes fully, to exactly its zeros.
    let small_bomb = gzip_bomb(8);
    let mut small = flate2::read::GzDecoder::new(&small_bomb[..]);
    let mut buf = vec![0u8; 64 * 1024];
    let (mut total, mut nonzero) = (0usize, false);
    loop {
        let n = small.read(&mut buf).expect("valid gzip");
        if n == 0 {
            break;
        }
        total += n;
        nonzero |= buf[..n].iter().any(|b| *b != 0);
    }
    assert_eq!((total, nonzero), (8 * MIB, false));

    // 4 GiB of zeros in a few MB.
    let bomb = gzip_bomb(4096);
    assert!(bomb.len() < 8 * MIB, "bomb is {} bytes", bomb.len());
    let app = Router::new().route(
        "/bomb.xml",
        get(move || {
            let bomb = bomb.clone();
            async move {
                (
                    [
                        (header::CONTENT_ENCODING, "gzip"),
                        (header::CONTENT_TYPE, "application/rss+xml"),
                    ],
                    bomb,
                )
            }
        }),
    );
    let addr = serve(app).await;
    let cfg = config();
    let cap = cfg.fetch.max_bytes;
    assert_eq!(cap, 16 * MIB as u64);
    let fetcher = fetcher(&cfg);

    let before = peak_rss();
    let outcome = fetcher
        .fetch(
            &source("bomb", &format!("http://{addr}/bomb.xml")),
            &Validators::default(),
        )
        .await;
    let after = peak_rss();

    let (message, meta) = expect_failed(outcome);
    assert_eq!(
        message,
        format!("http://{addr}/bomb.xml: decompressed body exceeds 16 MiB cap")
    );
    assert_eq!(meta.bytes, cap);
    assert_eq!(meta.status, Some(200));
    let growth = after.saturating_sub(before);
    eprintln!(
        "peak RSS before {} MiB, after {} MiB, growth {} MiB (cap 16 MiB)",
        before / MIB as u64,
        after / MIB as u64,
        growth / MIB as u64
    );
    assert!(before > 0, "VmHWM readable");
    assert!(growth < 3 * cap, "peak RSS grew by {growth} bytes");
}
