//! Store benchmark: 100,000 articles in 100 local RSS sources of 1,000, 5,000 tags and 20
//! categories. A full build into an empty store and output folder, then an incremental
//! build after one source changed 10 of its articles. Prints both times, their ratio
//! (target: the incremental build under 10% of the full one) and peak memory (VmHWM).
//!
//! `cargo bench --bench store` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};

const SOURCES: usize = 100;
const TAGS: usize = 5_000;
const CATEGORIES: usize = 20;
/// Articles the incremental build finds changed, all in source 0.
const CHANGED: usize = 10;

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

/// Source `s`; its first `changed` articles get a revised title and content.
fn write_source(dir: &Path, s: usize, per_source: usize, changed: usize) {
    let mut rng = Lcg(42 + s as u64);
    let mut x = String::with_capacity(per_source * 1200);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Nguồn ");
    let _ = write!(
        x,
        "{s}</title><link>https://nguon{s}.example.vn/</link><description>d</description>"
    );
    for i in 0..per_source {
        let n = s * per_source + i;
        let revised = if i < changed { " (cập nhật)" } else { "" };
        let minutes = rng.next() % (365 * 24 * 60);
        let day = 1 + minutes / (24 * 60) % 28;
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][(minutes / (28 * 24 * 60) % 12) as usize];
        let _ = write!(
            x,
            "<item><title>Bài {n}: {} tại {}{revised}</title><link>https://nguon{s}.example.vn/bai-{n}.html?utm_source=rss</link><guid>https://nguon{s}.example.vn/bai-{n}.html</guid><pubDate>Wed, {day:02} {month} 2022 {:02}:{:02}:00 +0700</pubDate><dc:creator>Phóng viên {}</dc:creator>",
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
            "<description>Tóm tắt bài {n} về {} và đời sống người dân.{revised}</description><content:encoded><![CDATA[<p>Nội dung bài {n}{revised}, có <a href=\"/lien-quan/{n}\">liên kết</a> và <img src=\"/anh/{n}.jpg\" alt=\"ảnh\">.</p><p>Đoạn hai với <strong>chữ đậm</strong> và <script>x()</script> cần loại bỏ.</p>]]></content:encoded></item>",
            WORDS[(n / 3) % WORDS.len()]
        );
    }
    x.push_str("</channel></rss>\n");
    std::fs::write(dir.join(format!("nguon-{s}.rss")), &x).expect("write a source");
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
    std::fs::write(&path, t).expect("write the config");
    path
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

/// CPU time (user + system) of this process so far, in seconds: on a shared machine wall
/// time swings with other loads, CPU time much less.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces) start at ") ".
            let rest = s.rsplit_once(") ")?.1.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    let articles: usize = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let per_source = (articles / SOURCES).max(CHANGED);
    let tmp = tempfile::tempdir().expect("temp dir");
    for s in 0..SOURCES {
        write_source(tmp.path(), s, per_source, 0);
    }
    let cfg = Config::load(&write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "input: {} articles in {SOURCES} sources, {TAGS} tags, {CATEGORIES} categories",
        per_source * SOURCES
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let opts = BuildOptions::default();

    let (t, c) = (Instant::now(), cpu_secs());
    let full = rt.block_on(build(&cfg, &opts)).expect("full build");
    let (full_time, full_cpu) = (t.elapsed(), cpu_secs() - c);
    assert_eq!(full.articles, per_source * SOURCES);
    println!(
        "full build:        {} articles, {} feeds, {} files written in {full_time:.2?} (CPU {full_cpu:.2} s)",
        full.articles, full.feeds, full.files_written
    );

    // A build frees its articles on a thread of its own after returning; let that finish so
    // it is not counted in (or slowing) the next build.
    std::thread::sleep(std::time::Duration::from_secs(2));
    write_source(tmp.path(), 0, per_source, CHANGED);
    let (t, c) = (Instant::now(), cpu_secs());
    let inc = rt.block_on(build(&cfg, &opts)).expect("incremental build");
    let (inc_time, inc_cpu) = (t.elapsed(), cpu_secs() - c);
    let changed = CHANGED;
    assert_eq!(inc.articles, full.articles);
    println!(
        "incremental build: {changed} articles changed in 1 source; {} files written, {} untouched in {inc_time:.2?} (CPU {inc_cpu:.2} s)",
        inc.files_written, inc.files_unchanged
    );
    println!(
        "ratio: {:.1}% of the full build's wall time, {:.1}% of its CPU time (target < 10%)",
        100.0 * inc_time.as_secs_f64() / full_time.as_secs_f64(),
        100.0 * inc_cpu / full_cpu.max(0.01)
    );
    println!("stages (ms), full:        {:?}", full.timings);
    println!("stages (ms), incremental: {:?}", inc.timings);
    println!("peak memory (VmHWM): {} MiB", peak_rss_kib() / 1024);
}
