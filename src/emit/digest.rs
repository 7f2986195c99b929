//! Daily digests: one item per closed day listing that day's articles of a feed, for the
//! feeds that ask for one (`digest = "daily"` in `[merged]`, a `[[category]]`, or `[tags]`
//! with `digest_tags`).
//!
//! Rules:
//! - Day `D`'s item is dated `D` at `digest_time` in `site.timezone` and lists the
//!   articles of the 24 hours before: those published from `D-1` at `digest_time` up to
//!   `D` at `digest_time`. An article feedmill first saw after its day's item was dated
//!   (a late feed) is listed on the day it was first seen instead, so no article is left
//!   out of every digest and a day's item never changes once it is out.
//! - A day is closed, and gets its item, once the build's clock has passed its time; a day
//!   with no article gets none. The digest holds the feed's `items` newest days.
//! - An item lists at most `limits.digest_articles` articles (title, link, image, summary,
//!   source), newest first; the rest of that day are counted, with a link to the feed.
//! - Its GUID (Atom id, JSON id) is made of the feed and the day, so it is the same at
//!   every build.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::ctx::Ctx;
use super::plan::sort_date;
use super::{labels, FeedKind, Plan, PlannedFeed};
use crate::config::Config;
use crate::model::Article;
use crate::text::tag_key;

/// The feeds of `plan` that have a digest (by index into `plan.feeds`) and its time of
/// day.
pub(crate) fn digest_feeds(plan: &Plan, cfg: &Config) -> BTreeMap<usize, NaiveTime> {
    let d = &cfg.digests;
    let aliases = cfg.tags.alias_keys();
    let tag_keys: BTreeMap<String, NaiveTime> = d
        .tags
        .iter()
        .map(|(name, t)| {
            let k = tag_key(name);
            (aliases.get(&k).cloned().unwrap_or(k), *t)
        })
        .collect();
    let slug_key: BTreeMap<&str, &str> = plan
        .tag_slugs
        .iter()
        .map(|(k, s)| (s.as_str(), k.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for (i, f) in plan.feeds.iter().enumerate() {
        let time = match f.kind {
            FeedKind::Merged => d.merged,
            FeedKind::Category => d.categories.get(&tag_key(&f.name)).copied(),
            FeedKind::Tag => slug_key
                .get(f.slug.as_str())
                .and_then(|k| tag_keys.get(*k))
                .copied(),
        };
        if let Some(t) = time {
            out.insert(i, t);
        }
    }
    out
}

/// One day of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Day {
    /// The day (in the site's zone) the item is dated.
    pub date: NaiveDate,
    /// When: `date` at the digest time.
    pub at: DateTime<FixedOffset>,
    /// The articles listed, newest first, at most `limits.digest_articles`.
    pub articles: Vec<usize>,
    /// All the day's articles, listed or not.
    pub total: usize,
}

/// When day `d`'s digest is dated: `d` at `time` in `tz` (the first such instant when a
/// clock change repeats it; an hour later when one skips it).
fn day_end(d: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = d.and_time(time);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// The day whose digest lists an article of instant `t`: the first day whose digest time
/// is after it.
fn day_of(t: DateTime<Utc>, time: NaiveTime, tz: Tz) -> NaiveDate {
    let local = t.with_timezone(&tz);
    let date = local.date_naive();
    if day_end(date, time, tz) > t {
        date
    } else {
        date.succ_opt().unwrap_or(date)
    }
}

/// The digest days of one feed whose articles (`members`, indices into `articles`) are
/// given: closed by `now`, newest first, at most `max_days`, each listing at most
/// `max_articles`.
pub(crate) fn days(
    articles: &[Article],
    members: &[usize],
    time: NaiveTime,
    tz: Tz,
    now: DateTime<Utc>,
    max_days: usize,
    max_articles: usize,
) -> Vec<Day> {
    let mut by_day: BTreeMap<NaiveDate, Vec<(DateTime<Utc>, usize)>> = BTreeMap::new();
    for &i in members {
        let Some(a) = articles.get(i) else { continue };
        let dated = sort_date(a).map(|d| d.with_timezone(&Utc));
        let instant = match (dated, a.first_seen) {
            (Some(d), Some(seen)) if seen >= day_end(day_of(d, time, tz), time, tz) => seen,
            (Some(d), _) => d,
            (None, Some(seen)) => seen,
            (None, None) => continue,
        };
        let day = day_of(instant, time, tz);
        if day_end(day, time, tz) <= now {
            by_day.entry(day).or_default().push((instant, i));
        }
    }
    by_day
        .into_iter()
        .rev()
        .take(max_days.max(1))
        .map(|(date, mut list)| {
            list.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
            let total = list.len();
            Day {
                date,
                at: day_end(date, time, tz).with_timezone(&tz).fixed_offset(),
                articles: list
                    .into_iter()
                    .take(max_articles)
                    .map(|(_, i)| i)
                    .collect(),
                total,
            }
        })
        .collect()
}

/// The digest item of `day` as an article the writers render: its title and date, a
/// plain-text summary naming the articles, and HTML content listing each one.
pub(crate) fn item(ctx: &Ctx<'_>, feed: &PlannedFeed, day: &Day) -> Article {
    let l = labels(&ctx.cfg.site.language);
    let date = if ctx.cfg.site.language.to_ascii_lowercase().starts_with("vi") {
        day.date.format("%d/%m/%Y").to_string()
    } else {
        day.date.format("%Y-%m-%d").to_string()
    };
    let listed: Vec<&Article> = day
        .articles
        .iter()
        .filter_map(|&i| ctx.articles.get(i))
        .collect();
    let mut html = String::from("<ul>\n");
    for a in &listed {
        let title = Ctx::item_title(a);
        html.push_str("<li>");
        match a.url.as_deref().and_then(Ctx::http_url) {
            Some(u) => {
                let _ = write!(
                    html,
                    "<p><a href=\"{}\"><strong>{}</strong></a></p>",
                    attr(&u),
                    text(&title)
                );
            }
            None => {
                let _ = write!(html, "<p><strong>{}</strong></p>", text(&title));
            }
        }
        if let Some(img) = super::media::image(a) {
            let _ = write!(
                html,
                "<p><img src=\"{}\" alt=\"{}\"",
                attr(&img.url),
                attr(&title)
            );
            if let Some(w) = img.width {
                let _ = write!(html, " width=\"{w}\"");
            }
            if let Some(h) = img.height {
                let _ = write!(html, " height=\"{h}\"");
            }
            html.push_str("></p>");
        }
        if !a.summary.trim().is_empty() {
            let _ = write!(html, "<p>{}</p>", text(a.summary.trim()));
        }
        let _ = writeln!(html, "<p>{}: {}</p></li>", text(l.source), text(&a.source));
    }
    html.push_str("</ul>\n");
    let rest = day.total.saturating_sub(listed.len());
    if rest > 0 {
        let feed_url = ctx.url(&format!("{}/rss.xml", feed.dir()));
        let _ = writeln!(
            html,
            "<p>… {} {rest} — <a href=\"{}\">{}</a></p>",
            text(l.more),
            attr(&feed_url),
            text(&ctx.feed_title(feed))
        );
    }
    let titles: Vec<String> = listed.iter().map(|a| Ctx::item_title(a)).collect();
    let summary = format!("{} {}: {}", day.total, l.articles, titles.join(" · "));
    Article {
        id: format!("digest/{}/{}", feed.dir(), day.date.format("%Y-%m-%d")),
        source: String::new(),
        title: format!("{} {date}", l.digest_of),
        summary: crate::normalize::text::truncate_words(&summary, crate::normalize::SUMMARY_CHARS),
        content: html,
        published: Some(day.at),
        ..Article::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn days_end_at_the_digest_time_in_the_site_zone() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        // 05:59 local on the 5th is the 5th's digest; 06:00 is the 6th's.
        assert_eq!(
            day_of(at("2024-03-05T05:59:00+07:00"), six, tz),
            NaiveDate::from_ymd_opt(2024, 3, 5).unwrap()
        );
        assert_eq!(
            day_of(at("2024-03-05T06:00:00+07:00"), six, tz),
            NaiveDate::from_ymd_opt(2024, 3, 6).unwrap()
        );
        assert_eq!(
            day_end(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap(), six, tz),
            at("2024-03-04T23:00:00Z")
        );
    }
}
