//! The lenient date reader: tokens, then a time (with meridiem and zone), then a date
//! from what is left. Words it does not know (weekdays, `Cập nhật:`, `Uhr`, `à`) are
//! ignored, so prefixes and localized decorations cost nothing.

use chrono::{NaiveDate, NaiveTime};

use super::words;

/// What the lenient reader found in a date string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A civil date and time, with the offset when the text named one.
    Civil {
        /// Calendar date.
        date: NaiveDate,
        /// Time of day (midnight when the text had none).
        time: NaiveTime,
        /// Seconds east of UTC, when the text carried a zone.
        offset: Option<i32>,
    },
    /// A Unix timestamp in seconds (JSON feeds, some APIs).
    Unix(i64),
}

/// One token of the input. `space` records whitespace before it, which separates an
/// offset sign from a date dash and a fraction from a list comma.
#[derive(Debug, Clone, PartialEq)]
struct Tok {
    kind: Kind,
    space: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Digits: value (saturating) and digit count.
    Num(u64, usize),
    /// A month, from a name or from Vietnamese `tháng N`.
    Month(u32),
    /// AM (`false`) or PM (`true`).
    Meridiem(bool),
    /// A named zone, seconds east of UTC.
    Zone(i32),
    /// A single letter: ISO `T`, hour marker `h`/`g`, or a military zone.
    Letter(char),
    /// `giờ` (Vietnamese hour marker).
    HourWord,
    /// `Uhr` (German "o'clock"), which makes `10.30` a time.
    Uhr,
    /// Any other punctuation.
    Sep(char),
}

/// Reads `text` (already NFC with collapsed whitespace) leniently; `Err` carries a reason.
pub fn parse(text: &str) -> Result<Found, &'static str> {
    let lower = text
        .to_lowercase()
        .replace("a.m.", "am")
        .replace("p.m.", "pm");
    if let Some(unix) = unix_timestamp(&lower) {
        return Ok(Found::Unix(unix));
    }
    let toks = classify(tokenize(&lower));
    let (time, offset, used) = match find_time(&toks) {
        Some((t, off, range)) => (Some(t), off, range),
        None => (None, None, 0..0),
    };
    let rest: Vec<&Kind> = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            !used.contains(i) && matches!(t.kind, Kind::Num(..) | Kind::Month(_) | Kind::Sep(_))
        })
        .map(|(_, t)| &t.kind)
        .collect();
    let date = find_date(&rest).ok_or("no date found")??;
    let time = match time {
        Some(t) => t?,
        None => NaiveTime::MIN,
    };
    Ok(Found::Civil { date, time, offset })
}

/// 9–11 digits are Unix seconds, 13 digits Unix milliseconds.
fn unix_timestamp(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sign = if digits.len() == s.len() { 1 } else { -1 };
    let v: i64 = digits.parse().ok()?;
    match digits.len() {
        9..=11 => Some(sign * v),
        13 => Some(sign * v / 1000),
        _ => None,
    }
}

fn tokenize(s: &str) -> Vec<(String, bool, bool)> {
    // (text, is_number, space_before)
    let mut out: Vec<(String, bool, bool)> = Vec::new();
    let mut space = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = true;
        } else if c.is_ascii_digit() {
            let mut w = String::from(c);
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                w.push(d);
                chars.next();
            }
            out.push((w, true, space));
            space = false;
        } else if c.is_alphabetic() {
            let mut w = String::from(c);
            while let Some(&d) = chars.peek().filter(|d| d.is_alphabetic()) {
                w.push(d);
                chars.next();
            }
            out.push((w, false, space));
            space = false;
        } else {
            out.push((c.to_string(), false, space));
            space = false;
        }
    }
    out
}

fn classify(raw: Vec<(String, bool, bool)>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    let num_at = |j: usize| -> Option<(u64, usize)> {
        let (w, is_num, _) = raw.get(j)?;
        is_num.then(|| (w.parse().unwrap_or(u64::MAX), w.len()))
    };
    while let Some((w, is_num, space)) = raw.get(i) {
        let space = *space;
        i += 1;
        let kind = if *is_num {
            Kind::Num(w.parse().unwrap_or(u64::MAX), w.len())
        } else {
            match w.as_str() {
                // `Thứ hai`, `Thứ 4`, `Thứ năm`: a weekday; its second word (which may be
                // a number or `năm`, "five" and "year") is not part of the date.
                "thứ" => {
                    if raw.get(i).is_some_and(|(w, _, _)| w != "," && w != "|") {
                        i += 1;
                    }
                    continue;
                }
                "tháng" | "thg" => match num_at(i) {
                    Some((m, _)) if (1..=12).contains(&m) => {
                        i += 1;
                        Kind::Month(m as u32)
                    }
                    _ => continue,
                },
                "giờ" => Kind::HourWord,
                "uhr" => Kind::Uhr,
                w if w.chars().count() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) => {
                    Kind::Letter(w.chars().next().unwrap_or(' '))
                }
                w if w.chars().all(char::is_alphabetic) => {
                    if let Some(m) = words::month(w) {
                        Kind::Month(m)
                    } else if let Some(pm) = words::meridiem(w) {
                        Kind::Meridiem(pm)
                    } else if let Some(z) = words::zone(w) {
                        Kind::Zone(z)
                    } else {
                        // Weekdays, `ngày`, `năm`, `cập nhật`, `le`, `um`, ordinals…
                        continue;
                    }
                }
                w => Kind::Sep(w.chars().next().unwrap_or(' ')),
            }
        };
        out.push(Tok { kind, space });
    }
    out
}

type TimeMatch = (
    Result<NaiveTime, &'static str>,
    Option<i32>,
    std::ops::Range<usize>,
);

/// Finds the first time of day, then a meridiem and a zone right after it.
fn find_time(toks: &[Tok]) -> Option<TimeMatch> {
    let kind = |i: usize| toks.get(i).map(|t| &t.kind);
    let adjacent = |i: usize| toks.get(i).is_some_and(|t| !t.space);
    for start in 0..toks.len() {
        let Some(Kind::Num(h, hl)) = kind(start) else {
            continue;
        };
        let (h, hl) = (*h, *hl);
        let mut j = start + 1;
        let (mut m, mut s, mut nanos) = (0u64, 0u64, 0u32);
        let short = (1..=2).contains(&hl);
        // `24: 18/05/2022` and `8h 18/05/2022`: the number after the marker is a day.
        let date_at = |i: usize| match (kind(i), kind(i + 1), kind(i + 2), kind(i + 3)) {
            (
                Some(Kind::Num(_, 1..=2)),
                Some(Kind::Sep(a @ ('/' | '-' | '.'))),
                Some(Kind::Num(_, 1..=2)),
                Some(Kind::Sep(b)),
            ) => a == b,
            _ => false,
        };
        match (kind(j), kind(j + 1)) {
            (Some(Kind::Sep(':')), Some(Kind::Num(mm, ml)))
                if short && *ml <= 2 && !date_at(j + 1) =>
            {
                m = *mm;
                j += 2;
                if let (Some(Kind::Sep(':')), Some(Kind::Num(ss, sl))) = (kind(j), kind(j + 1)) {
                    if *sl <= 2 {
                        s = *ss;
                        j += 2;
                        if let (Some(Kind::Sep('.' | ',')), Some(Kind::Num(..))) =
                            (kind(j), kind(j + 1))
                        {
                            if adjacent(j) && adjacent(j + 1) {
                                nanos = fraction(toks, j + 1);
                                j += 2;
                            }
                        }
                    }
                }
            }
            (Some(Kind::Letter('h' | 'g') | Kind::HourWord), next) if short => {
                j += 1;
                if let Some(Kind::Num(mm, ml)) = next {
                    if *ml <= 2 && !date_at(j) {
                        m = *mm;
                        j += 1;
                    }
                }
            }
            (Some(Kind::Sep('.')), Some(Kind::Num(mm, 2)))
                if short && matches!(kind(j + 2), Some(Kind::Uhr)) =>
            {
                m = *mm;
                j += 2;
            }
            // ISO basic: 20220518T052948
            (Some(Kind::Letter('t')), Some(Kind::Num(v, 4 | 6))) if hl == 8 => {
                let v = *v;
                let (hh, mm, ss) = if toks.get(j + 1).map(|t| &t.kind) == Some(&Kind::Num(v, 4)) {
                    (v / 100, v % 100, 0)
                } else {
                    (v / 10000, v / 100 % 100, v % 100)
                };
                let (off, end) = find_zone(toks, j + 2);
                return Some((hms(hh, mm, ss, 0), off, j + 1..end));
            }
            _ => continue,
        }
        let mut h = h;
        if let Some(Kind::Meridiem(pm)) = kind(j) {
            h = match (*pm, h) {
                (false, 12) => 0,
                (true, 1..=11) => h + 12,
                (true, 0) => 12,
                _ => h,
            };
            j += 1;
        }
        let (off, end) = find_zone(toks, j);
        return Some((hms(h, m, s, nanos), off, start..end));
    }
    None
}

fn hms(h: u64, m: u64, s: u64, nanos: u32) -> Result<NaiveTime, &'static str> {
    // A leap second is read as the last second of the minute.
    let s = s.min(59);
    let (h, m, s) = (
        u32::try_from(h).map_err(|_| "invalid time")?,
        u32::try_from(m).map_err(|_| "invalid time")?,
        u32::try_from(s).map_err(|_| "invalid time")?,
    );
    NaiveTime::from_hms_nano_opt(h, m, s, nanos).ok_or("invalid time")
}

/// Nanoseconds from the fraction digits at `i` (the token after the decimal point).
fn fraction(toks: &[Tok], i: usize) -> u32 {
    let Some(Kind::Num(v, len)) = toks.get(i).map(|t| &t.kind) else {
        return 0;
    };
    if *len > 9 {
        // Saturated or over-precise: keep what nanoseconds can hold is not recoverable
        // from a saturated value, so drop sub-second precision.
        return 0;
    }
    let scale = 10u64.pow(9 - *len as u32);
    u32::try_from(v * scale).unwrap_or(0)
}

/// A zone starting at `i`: a name (optionally `GMT+7`), a military letter, or a numeric
/// offset `+0700`, `+07:00`, `+7`; an opening parenthesis may precede it.
fn find_zone(toks: &[Tok], mut i: usize) -> (Option<i32>, usize) {
    let kind = |i: usize| toks.get(i).map(|t| &t.kind);
    if let Some(Kind::Sep('(')) = kind(i) {
        i += 1;
    }
    match kind(i) {
        Some(Kind::Zone(z)) => {
            if let Some((off, end)) = numeric_offset(toks, i + 1) {
                return (Some(off), end);
            }
            (Some(*z), i + 1)
        }
        Some(Kind::Letter(c)) => match words::military(*c) {
            Some(off) => (Some(off), i + 1),
            None => (None, i),
        },
        _ => match numeric_offset(toks, i) {
            Some((off, end)) => (Some(off), end),
            None => (None, i),
        },
    }
}

fn numeric_offset(toks: &[Tok], i: usize) -> Option<(i32, usize)> {
    let kind = |i: usize| toks.get(i).map(|t| &t.kind);
    let sign = match kind(i)? {
        Kind::Sep('+') => 1,
        Kind::Sep('-' | '−') => -1,
        _ => return None,
    };
    let num = toks.get(i + 1).filter(|t| !t.space)?;
    let (h, m, end) = match num.kind {
        Kind::Num(v, 4) => (v / 100, v % 100, i + 2),
        Kind::Num(v, 1..=2) => match (kind(i + 2), kind(i + 3)) {
            (Some(Kind::Sep(':')), Some(Kind::Num(mm, 2))) => (v, *mm, i + 4),
            _ => (v, 0, i + 2),
        },
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some((sign * (h as i32 * 3600 + m as i32 * 60), end))
}

type DateMatch = Result<NaiveDate, &'static str>;

/// The first date pattern found scanning `toks` from the left.
fn find_date(toks: &[&Kind]) -> Option<DateMatch> {
    let num = |i: usize| match toks.get(i) {
        Some(Kind::Num(v, l)) => Some((*v, *l)),
        _ => None,
    };
    let sep = |i: usize| match toks.get(i) {
        Some(Kind::Sep(c)) => Some(*c),
        _ => None,
    };
    let month = |i: usize| match toks.get(i) {
        Some(Kind::Month(m)) => Some(*m),
        _ => None,
    };
    // Skips separators such as `.`, `,` or `-` between the parts of a written date.
    let skip = |mut i: usize| {
        while matches!(sep(i), Some('.' | ',' | '-' | '/')) {
            i += 1;
        }
        i
    };
    for p in 0..toks.len() {
        if let Some((a, al)) = num(p) {
            // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD
            if al == 4 {
                if let (Some(s1), Some((m, ml)), Some(s2), Some((d, dl))) =
                    (sep(p + 1), num(p + 2), sep(p + 3), num(p + 4))
                {
                    if s1 == s2 && matches!(s1, '-' | '/' | '.') && ml <= 2 && dl <= 2 {
                        return Some(ymd(a, m, d));
                    }
                }
            }
            // YYYYMMDD
            if al == 8 {
                return Some(ymd(a / 10000, a / 100 % 100, a % 100));
            }
            // D/M/Y, D-M-Y, D.M.Y (day first; month first only when the day cannot be
            // a month, as in US 5/18/2022)
            if al <= 2 {
                if let (Some(s1), Some((b, bl)), Some(s2), Some((y, yl))) =
                    (sep(p + 1), num(p + 2), sep(p + 3), num(p + 4))
                {
                    if s1 == s2 && matches!(s1, '-' | '/' | '.') && bl <= 2 && matches!(yl, 2 | 4) {
                        let y = year(y, yl);
                        let (d, m) = if b > 12 && a <= 12 { (b, a) } else { (a, b) };
                        return Some(ymd(y, m, d));
                    }
                }
                // D Month Y: `18 May 2022`, `18. Mai 2022`, `06-Nov-94`, `ngày 18 tháng 5 năm 2022`
                let q = skip(p + 1);
                if let Some(m) = month(q) {
                    if let Some((y, yl)) = num(skip(q + 1)).filter(|(_, l)| matches!(l, 2 | 4)) {
                        return Some(ymd(year(y, yl), u64::from(m), a));
                    }
                }
            }
        }
        // Month D, Y: `May 18, 2022`, asctime `May 18 [time] 2022`; a month and year
        // alone (`tháng 5/2022`, `May 2022`) is the first of the month, as W3CDTF's YYYY-MM.
        if let Some(m) = month(p) {
            let q = skip(p + 1);
            match num(q) {
                Some((d, 1..=2)) => {
                    if let Some((y, 4)) = num(skip(q + 1)) {
                        return Some(ymd(y, u64::from(m), d));
                    }
                }
                Some((y, 4)) => return Some(ymd(y, u64::from(m), 1)),
                _ => {}
            }
        }
    }
    // W3CDTF reduced precision: `2022-05` and `2022`.
    match toks {
        [Kind::Num(y, 4), Kind::Sep('-'), Kind::Num(m, 1..=2)] => Some(ymd(*y, *m, 1)),
        [Kind::Num(y, 4)] => Some(ymd(*y, 1, 1)),
        _ => None,
    }
}

/// A two-digit year in RFC 2822's reading: 00–49 → 20xx, 50–99 → 19xx.
fn year(y: u64, len: usize) -> u64 {
    match (len, y) {
        (2, 0..=49) => 2000 + y,
        (2, _) => 1900 + y,
        _ => y,
    }
}

fn ymd(y: u64, m: u64, d: u64) -> DateMatch {
    let y = i32::try_from(y).map_err(|_| "invalid date")?;
    let m = u32::try_from(m).map_err(|_| "invalid date")?;
    let d = u32::try_from(d).map_err(|_| "invalid date")?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or("invalid date")
}
