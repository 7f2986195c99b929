//! The generated corpus the build and store benchmarks share: RSS sources of Vietnamese
//! news with tags and categories, deterministic from run to run.
#![allow(dead_code)] // each benchmark uses a part

use std::fmt::Write as _;
use std::path::Path;

/// How many sources, tags and categories a generated corpus has.
#[derive(Debug, Clone, Copy)]
pub struct Corpus {
    pub sources: usize,
    pub tags: usize,
    pub categories: usize,
}

/// The corpus of `cargo bench --bench build`: 100 sources, 5,000 tags, 20 categories.
pub const BUILD: Corpus = Corpus {
    sources: 100,
    tags: 5_000,
    categories: 20,
};

/// The corpus of `cargo bench --bench store` (the newsroom of the scale issue): 1,000
/// sources, 20,000 tags, 100 categories.
pub const NEWSROOM: Corpus = Corpus {
    sources: 1_000,
    tags: 20_000,
    categories: 100,
};

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

pub fn tag_name(i: usize) -> String {
    format!("{} {}", WORDS[i % WORDS.len()], i)
}

impl Corpus {
    /// Source `s` with `per_source` items; its first `changed` articles get a revised
    /// title and content. Returns the document's length in bytes.
    pub fn write_source(&self, dir: &Path, s: usize, per_source: usize, changed: usize) -> usize {
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
                    tag_name((rng.next() as usize) % self.tags)
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
        x.len()
    }

    /// Every source with `per_source` items; returns their bytes in all.
    pub fn write_sources(&self, dir: &Path, per_source: usize) -> u64 {
        (0..self.sources)
            .map(|s| self.write_source(dir, s, per_source, 0) as u64)
            .sum()
    }

    /// feeds.toml for the corpus: every source, and categories of 25 tags each.
    pub fn write_config(&self, dir: &Path) -> std::path::PathBuf {
        let mut t = String::from(
            "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n",
        );
        for s in 0..self.sources {
            let _ = writeln!(
                t,
                "[[source]]\nname = \"nguon-{s}\"\nurl = \"nguon-{s}.rss\"\n"
            );
        }
        let stride = (self.tags / self.categories.max(1)).max(25);
        for c in 0..self.categories {
            let tags: Vec<String> = (0..25)
                .map(|k| format!("\"{}\"", tag_name((c * stride + k) % self.tags)))
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
}

pub fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// A field of /proc/self/status in KiB (`VmHWM:`, `VmRSS:`).
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l.to_string())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// CPU time (user + system) of this process so far, in seconds: on a shared machine wall
/// time swings with other loads, CPU time much less.
pub fn cpu_secs() -> f64 {
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

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU time of the calling thread: stages timed on one thread are compared by it, since
/// wall time on a shared machine counts the other loads too.
pub fn thread_cpu() -> std::time::Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
