//! `digest` and `digest_time` in `[merged]`, `[[category]]` and `[tags]` (with
//! `digest_tags`): which feeds get a daily digest, and when each day's is dated.

use std::collections::BTreeMap;

use chrono::NaiveTime;

use super::reader::{Ctx, Table};

/// The time of day a digest is dated when `digest_time` is not given.
pub(super) const DEFAULT_TIME: (u32, u32) = (6, 0);

/// `HH:MM` on a 24-hour clock.
fn time_of_day(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// `digest` and `digest_time` of table `t`: the digest's time of day when `digest =
/// "daily"`. A cadence other than "daily", a malformed time, and a `digest_time` without
/// `digest` are reported where they are written.
pub(super) fn read(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<NaiveTime> {
    let digest = t.text(ctx, "digest");
    let time = t.text(ctx, "digest_time");
    let parsed = time.as_ref().and_then(|v| {
        let parsed = time_of_day(&v.v);
        if parsed.is_none() {
            ctx.error(
                &v.span,
                format!(
                    "`{}`: \"{}\" is not a time of day; write it as \"06:00\" (24-hour clock, in site.timezone)",
                    t.path("digest_time"),
                    v.v
                ),
            );
        }
        parsed
    });
    let Some(d) = digest else {
        if let Some(v) = &time {
            ctx.error(
                &v.span,
                format!(
                    "`{}` is set but `{}` is not; add digest = \"daily\"",
                    t.path("digest_time"),
                    t.path("digest")
                ),
            );
        }
        return None;
    };
    if d.v.trim() != "daily" {
        ctx.error(
            &d.span,
            format!(
                "`{}`: \"{}\" is not a digest cadence; the one there is is \"daily\"",
                t.path("digest"),
                d.v
            ),
        );
        return None;
    }
    match time {
        Some(_) => parsed,
        None => NaiveTime::from_hms_opt(DEFAULT_TIME.0, DEFAULT_TIME.1, 0),
    }
}

/// `[tags]`: `digest` and `digest_time` apply to the tags named in `digest_tags`
/// (spelled as in the feeds; aliases apply). Each needs the other.
pub(super) fn read_tags(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> BTreeMap<String, NaiveTime> {
    let time = read(ctx, t);
    let names = t.strings(ctx, "digest_tags");
    let mut out = BTreeMap::new();
    match (time, names) {
        (Some(time), Some(names)) if !names.is_empty() => {
            for n in names {
                let name = crate::text::nfc(n.v.trim());
                if crate::text::tag_key(&name).is_empty() {
                    ctx.error(&n.span, "`tags.digest_tags` contains an empty tag name");
                    continue;
                }
                out.insert(name, time);
            }
        }
        (Some(_), _) => {
            let span = t.raw("digest").map_or(t.span.clone(), |v| v.span());
            ctx.error(
                &span,
                "`tags.digest` needs `tags.digest_tags`, the tags that get a digest, e.g. digest_tags = [\"Lục Yên\"]",
            );
        }
        (None, Some(_)) if t.raw("digest").is_none() => {
            let span = t.raw("digest_tags").map_or(t.span.clone(), |v| v.span());
            ctx.error(
                &span,
                "`tags.digest_tags` is set but `tags.digest` is not; add digest = \"daily\"",
            );
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("06:00"), NaiveTime::from_hms_opt(6, 0, 0));
        assert_eq!(time_of_day("23:59"), NaiveTime::from_hms_opt(23, 59, 0));
        for bad in ["6:00", "24:00", "06:60", "06-00", "", "06:00:00"] {
            assert_eq!(time_of_day(bad), None, "{bad}");
        }
    }
}
