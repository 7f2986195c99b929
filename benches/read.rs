//! Reader throughput: quick-xml's raw event loop (the floor), `read_feed`, and feed-rs, on
//! the same generated 20,000-item RSS 2.0 and Atom 1.0 documents (~30 MB each), plus the
//! reader's peak heap use relative to the input. Two more lines bound what a reader that
//! returns owned text can reach: the raw loop with every text node decoded by quick-xml
//! into a `String`, and the tightest one, the document validated once and each text node
//! copied out without decoding. One more shows the reader with its fast lane off (every
//! tag read by quick-xml's event loop). Run: `cargo bench --bench read`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use feedmill::read::{read_feed, read_feed_reference};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Counts live heap bytes so the bench can report the reader's peak memory.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ITEMS: usize = 20_000;

const WORDS: &[&str] = &[
    "Lục", "Yên", "nâng", "cao", "sức", "chiến", "đấu", "của", "tổ", "chức", "đảng", "ở", "cơ",
    "sở", "Nghị", "quyết", "Ban", "Chấp", "hành", "Đảng", "bộ", "tỉnh", "huyện", "xã", "Tân",
    "Lập",
];

fn words(seed: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(seed * 7 + i * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn rss_doc() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n\
         <title>Tin Yên Bái</title><link>https://baoyenbai.com.vn/</link><language>vi</language>\n",
    );
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<item>\n<title>{t}</title>\n<link>https://baoyenbai.com.vn/12/{i}/tin.aspx</link>\n\
             <guid isPermaLink=\"false\">{i}</guid>\n<pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate>\n\
             <dc:creator>Thanh Phúc</dc:creator>\n<category>Lục Yên</category><category>Xây dựng Đảng</category>\n\
             <media:content url=\"https://baoyenbai.com.vn/anh/{i}.jpg\" medium=\"image\"/>\n\
             <description>&lt;p&gt;{d}&lt;/p&gt;</description>\n<content:encoded><![CDATA[<p>{c}</p><p>{c}</p>]]></content:encoded>\n</item>\n",
            t = words(i, 10),
            d = words(i + 1, 40),
            c = words(i + 2, 70),
        ));
    }
    s.push_str("</channel>\n</rss>\n");
    s
}

fn atom_doc() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n\
         <title>Báo Yên Bái</title><link href=\"https://baoyenbai.com.vn/\"/><id>urn:yb</id><updated>2022-05-18T05:29:48+07:00</updated>\n",
    );
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<entry>\n<title>{t}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"https://baoyenbai.com.vn/12/{i}/tin.aspx\"/>\n\
             <id>tag:baoyenbai.com.vn,2022:{i}</id>\n<published>2022-05-18T05:29:48+07:00</published><updated>2022-05-18T05:29:48+07:00</updated>\n\
             <author><name>Thanh Phúc</name></author>\n<category term=\"luc-yen\" label=\"Lục Yên\"/><category term=\"dang\" label=\"Đảng\"/>\n\
             <summary type=\"html\">&lt;p&gt;{d}&lt;/p&gt;</summary>\n<content type=\"html\">&lt;p&gt;{c}&lt;/p&gt;&lt;p&gt;{c}&lt;/p&gt;</content>\n</entry>\n",
            t = words(i, 10),
            d = words(i + 1, 40),
            c = words(i + 2, 70),
        ));
    }
    s.push_str("</feed>\n");
    s
}

/// Best of `runs` timings of `f`. The result is dropped after the clock stops: freeing
/// what was read is not reading (and costs the same whichever parser made it).
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = black_box(f());
            let d = t.elapsed();
            drop(out);
            d
        })
        .min()
        .unwrap_or_default()
}

fn raw_loop(bytes: &[u8]) -> usize {
    let mut r = Reader::from_reader(bytes);
    let mut n = 0usize;
    loop {
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => {
                black_box(&e);
                n += 1;
            }
        }
    }
    n
}

/// The raw loop plus what any reader that returns owned text must do at least: decode each
/// non-blank text or CDATA node's entities into an owned `String` (kept, like a reader's
/// output, and freed after the clock stops).
fn raw_owned(bytes: &[u8]) -> Vec<String> {
    let mut r = Reader::from_reader(bytes);
    let mut out = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Text(t)) => {
                if !t.iter().all(u8::is_ascii_whitespace) {
                    if let Ok(s) = t.unescape() {
                        out.push(s.into_owned());
                    }
                }
            }
            Ok(Event::CData(c)) => out.push(String::from_utf8_lossy(&c).into_owned()),
            Ok(e) => {
                black_box(&e);
            }
        }
    }
    out
}

/// The tightest floor for a reader with owned output: the document validated as UTF-8 once
/// (as `read_feed` does), then the raw loop copying each non-blank text or CDATA node out
/// of the text as it stands — no entity decoding, no validation per node, one allocation
/// and copy per node.
fn raw_copied(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = simdutf8::basic::from_utf8(bytes) else {
        return Vec::new();
    };
    let mut r = Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        let before = r.buffer_position() as usize;
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Text(t)) => {
                if !t.iter().all(u8::is_ascii_whitespace) {
                    let end = r.buffer_position() as usize;
                    out.push(text.get(before..end).unwrap_or_default().to_owned());
                }
            }
            Ok(Event::CData(_)) => {
                let end = r.buffer_position() as usize;
                out.push(text.get(before + 9..end - 3).unwrap_or_default().to_owned());
            }
            Ok(e) => {
                black_box(&e);
            }
        }
    }
    out
}

fn mbps(len: usize, d: Duration) -> f64 {
    len as f64 / 1e6 / d.as_secs_f64()
}

fn measure(name: &str, doc: &str) {
    let bytes = doc.as_bytes();
    let len = bytes.len();
    let events = raw_loop(bytes);
    let items = read_feed(bytes, None, None)
        .map(|f| f.items.len())
        .unwrap_or(0);
    let fr_items = feed_rs::parser::parse(bytes)
        .map(|f| f.entries.len())
        .unwrap_or(0);
    assert_eq!(items, ITEMS, "read_feed read every item");
    assert_eq!(fr_items, ITEMS, "feed-rs read every item");

    // `READ_BENCH_RUNS` (default 5) takes the best of more runs on a noisy machine.
    let runs = std::env::var("READ_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let raw = best(runs, || raw_loop(black_box(bytes)));
    let owned = best(5, || raw_owned(black_box(bytes)));
    let copied = best(5, || raw_copied(black_box(bytes)));
    let ours = best(runs, || read_feed(black_box(bytes), None, None).ok());
    let no_lane = best(runs, || {
        read_feed_reference(black_box(bytes), None, None).ok()
    });
    let fr = best(3, || feed_rs::parser::parse(black_box(bytes)).ok());

    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let feed = read_feed(bytes, None, None);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    drop(feed);

    let (r, o, f) = (mbps(len, raw), mbps(len, ours), mbps(len, fr));
    println!(
        "{name}: {:.1} MB, {ITEMS} items, {events} events",
        len as f64 / 1e6
    );
    println!("  quick-xml raw event loop : {r:8.1} MB/s");
    let w = mbps(len, owned);
    println!(
        "  raw loop + owned texts   : {w:8.1} MB/s  ({:.0}% of raw; each node decoded by quick-xml)",
        100.0 * w / r
    );
    let c = mbps(len, copied);
    println!(
        "  raw loop + copied texts  : {c:8.1} MB/s  ({:.0}% of raw; validated once, copied, not decoded)",
        100.0 * c / r
    );
    println!(
        "  feedmill read_feed       : {o:8.1} MB/s  ({:.0}% of raw)",
        100.0 * o / r
    );
    let n = mbps(len, no_lane);
    println!(
        "  read_feed, lane off      : {n:8.1} MB/s  ({:.0}% of raw; every tag through quick-xml)",
        100.0 * n / r
    );
    println!(
        "  feed_rs::parser::parse   : {f:8.1} MB/s  (feedmill is {:.2}x feed-rs)",
        o / f
    );
    println!(
        "  read_feed peak heap      : {:.1} MB ({:.2}x the input)",
        peak as f64 / 1e6,
        peak as f64 / len as f64
    );
}

fn main() {
    // `READ_BENCH_PROFILE=1` runs only the reader, for profiling it under perf.
    if std::env::var_os("READ_BENCH_PROFILE").is_some() {
        // `=rss` or `=atom` profiles one format.
        let which = std::env::var("READ_BENCH_PROFILE").unwrap_or_default();
        let rss = if which == "atom" {
            String::new()
        } else {
            rss_doc()
        };
        let atom = if which == "rss" {
            String::new()
        } else {
            atom_doc()
        };
        for _ in 0..40 {
            black_box(read_feed(rss.as_bytes(), None, None).ok());
            black_box(read_feed(atom.as_bytes(), None, None).ok());
        }
        return;
    }
    let rss = rss_doc();
    measure("RSS 2.0", &rss);
    drop(rss);
    let atom = atom_doc();
    measure("Atom 1.0", &atom);
}
