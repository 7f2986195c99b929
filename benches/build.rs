//! Build benchmark: 100,000 generated articles in 100 local RSS sources, 5,000 tags and
//! 20 categories. Prints articles per second for the whole build (read, normalize, dedup,
//! plan, emit) and for the emit stage alone, against a baseline measured in the same run:
//! quick-xml's raw event loop over the same source bytes.
//!
//! `cargo bench --bench build` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};

const SOURCES: usize = 100;
const TAGS: usize = 5_000;
const CATEGORIES: usize = 20;

/// A tiny deterministic generator so every run builds the same articles.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const WORDS: &[&str] = &[
    "Lục Yên",
    "nông thôn",
    "Đảng bộ",
    "giao thông",
    "lúa xuân",
    "chè Suối Giàng",
    "cán bộ",
    "Nghị quyết",
    "thanh niên",
    "hiến đất",
    "Trấn Yên",
    "Mù Cang Chải",
    "du lịch",
    "quế Văn Yên",
    "xây dựng",
    "y tế",
];

fn tag_name(i: usize) -> String {
    format!("{} {}", WORDS[i % WORDS.len()], i)
}

fn write_sources(dir: &Path, per_source: usize) -> Vec<u8> {
    let mut rng = Lcg(42);
    let mut all = Vec::new();
    for s in 0..SOURCES {
        let mut x = String::with_capacity(per_source * 1200);
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Nguồn ");
        let _ = write!(
            x,
            "{s}</title><link>https://nguon{s}.example.vn/</link><description>d</description>"
        );
        for i in 0..per_source {
            let n = s * per_source + i;
            let minutes = rng.next() % (365 * 24 * 60);
            let day = 1 + minutes / (24 * 60) % 28;
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][(minutes / (28 * 24 * 60) % 12) as usize];
            let _ = write!(
                x,
                "<item><title>Bài {n}: {} tại {}</title><link>https://nguon{s}.example.vn/bai-{n}.html?utm_source=rss</link><guid>https://nguon{s}.example.vn/bai-{n}.html</guid><pubDate>Wed, {day:02} {month} 2022 {:02}:{:02}:00 +0700</pubDate><dc:creator>Phóng viên {}</dc:creator>",
                WORDS[n % WORDS.len()],
                WORDS[(n / 7) % WORDS.len()],
                minutes / 60 % 24,
                minutes % 60,
                n % 97
            );
            for _ in 0..3 {
                let _ = write!(
                    x,
                    "<category>{}</category>",
                    tag_name((rng.next() as usize) % TAGS)
                );
            }
            let _ = write!(
                x,
                "<description>Tóm tắt bài {n} về {} và đời sống người dân.</description><content:encoded><![CDATA[<p>Nội dung bài {n}, có <a href=\"/lien-quan/{n}\">liên kết</a> và <img src=\"/anh/{n}.jpg\" alt=\"ảnh\">.</p><p>Đoạn hai với <strong>chữ đậm</strong> và <script>x()</script> cần loại bỏ.</p>]]></content:encoded></item>",
                WORDS[(n / 3) % WORDS.len()]
            );
        }
        x.push_str("</channel></rss>\n");
        std::fs::write(dir.join(format!("nguon-{s}.rss")), &x).unwrap();
        all.extend_from_slice(x.as_bytes());
    }
    all
}

fn write_config(dir: &Path) -> std::path::PathBuf {
    let mut t = String::from(
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n",
    );
    for s in 0..SOURCES {
        let _ = writeln!(
            t,
            "[[source]]\nname = \"nguon-{s}\"\nurl = \"nguon-{s}.rss\"\n"
        );
    }
    for c in 0..CATEGORIES {
        let tags: Vec<String> = (0..25)
            .map(|k| format!("\"{}\"", tag_name(c * 250 + k)))
            .collect();
        let _ = writeln!(
            t,
            "[[category]]\nname = \"Chuyên mục {c}\"\ntags = [{}]\n",
            tags.join(", ")
        );
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, t).unwrap();
    path
}

fn raw_event_loop(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut events = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => events += 1,
        }
        buf.clear();
    }
    events
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let articles: usize = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let per_source = articles / SOURCES;
    let tmp = tempfile::tempdir().unwrap();
    let all_bytes = write_sources(tmp.path(), per_source);
    let cfg = Config::load(&write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "input: {} articles in {SOURCES} sources ({:.1} MB), {TAGS} tags, {CATEGORIES} categories",
        per_source * SOURCES,
        all_bytes.len() as f64 / 1e6
    );

    let t = Instant::now();
    let events = raw_event_loop(&all_bytes);
    let baseline = t.elapsed();
    println!("baseline  quick-xml raw event loop: {events} events in {baseline:.2?}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = tmp.path().join("public");
    let opts = BuildOptions {
        out_dir: Some(out.clone()),
        ..BuildOptions::default()
    };
    let t = Instant::now();
    let report = rt.block_on(build(&cfg, &opts)).unwrap();
    let full = t.elapsed();
    assert_eq!(report.articles, per_source * SOURCES);
    println!(
        "full build: {} articles, {} feeds, {} files in {full:.2?} = {:.0} articles/s ({:.1}x the baseline's time)",
        report.articles,
        report.feeds,
        report.files_written,
        rate(report.articles, full),
        full.as_secs_f64() / baseline.as_secs_f64()
    );

    // The emit stage alone, on the articles the build kept: plan + render + write into a
    // fresh folder (every file written), then again into the same folder (nothing changes).
    let articles_vec = feedmill::store::open(&cfg.site.store)
        .and_then(|s| s.articles())
        .unwrap();
    let articles_vec = feedmill::normalize::dedup(articles_vec);
    let known = Default::default();
    let t = Instant::now();
    let plan = feedmill::emit::plan(&articles_vec, &cfg, &known);
    let planned = t.elapsed();
    let fresh = tmp.path().join("public-2");
    let t = Instant::now();
    let emitted = feedmill::emit::emit(&plan, &articles_vec, &cfg, &fresh).unwrap();
    let write_all = t.elapsed();
    let t = Instant::now();
    let again = feedmill::emit::emit(&plan, &articles_vec, &cfg, &fresh).unwrap();
    let unchanged = t.elapsed();
    println!(
        "emit stage: plan {planned:.2?}; render+write {} files {write_all:.2?} = {:.0} articles/s ({:.1}x the baseline's time); unchanged rebuild {unchanged:.2?} ({} files untouched)",
        emitted.written.len(),
        rate(articles_vec.len(), planned + write_all),
        (planned + write_all).as_secs_f64() / baseline.as_secs_f64(),
        again.unchanged.len()
    );
    println!("peak memory: {} MiB", peak_rss_kib() / 1024);
}
