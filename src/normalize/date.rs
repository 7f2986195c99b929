//! Dates as written in the wild → time-zone-aware instants.
//!
//! [`parse_date`] reads RFC 822/2822 (with its every wild variant), RFC 3339, ISO 8601,
//! W3CDTF, Unix timestamps, and localized forms (Vietnamese, English, French, German).
//! A date that names no offset is read in the source's zone, because reading it as UTC
//! shifts Vietnamese news by seven hours.

use std::fmt;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

mod lenient;
mod words;

/// A date string that could not be read; carries the text so that the warning can show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// The text as it was given.
    pub text: String,
    /// Why it was rejected.
    pub reason: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read date {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for DateError {}

/// Reads `text` as an instant. A text without an offset is in `tz`; the result keeps the
/// offset the text named, or `tz`'s offset at that instant.
pub fn parse_date(text: &str, tz: Tz) -> Result<DateTime<FixedOffset>, DateError> {
    let err = |reason: &str| DateError {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let cleaned = crate::text::collapse_ws(&crate::text::nfc(text));
    if cleaned.is_empty() {
        return Err(err("empty"));
    }
    // The common case in feeds, and exact: no need for the lenient reader.
    if let Ok(dt) = DateTime::parse_from_rfc3339(&cleaned) {
        return Ok(dt);
    }
    match lenient::parse(&cleaned).map_err(err)? {
        lenient::Found::Unix(secs) => match tz.timestamp_opt(secs, 0) {
            LocalResult::Single(dt) => Ok(dt.fixed_offset()),
            _ => Err(err("timestamp out of range")),
        },
        lenient::Found::Civil { date, time, offset } => {
            let naive = date.and_time(time);
            match offset {
                Some(secs) => FixedOffset::east_opt(secs)
                    .and_then(|off| off.from_local_datetime(&naive).single())
                    .ok_or_else(|| err("invalid offset")),
                None => localize(naive, tz).ok_or_else(|| err("time out of range")),
            }
        }
    }
}

/// Tries each chrono `formats` (an operator's `date_formats`) on `text` first, then
/// [`parse_date`]. A format with `%z`/`%:z` gives the offset; one without is read in `tz`;
/// a format with no time fields gives midnight.
pub fn parse_date_with_formats(
    text: &str,
    formats: &[String],
    tz: Tz,
) -> Result<DateTime<FixedOffset>, DateError> {
    let cleaned = crate::text::collapse_ws(&crate::text::nfc(text));
    for fmt in formats {
        if let Ok(dt) = DateTime::parse_from_str(&cleaned, fmt) {
            return Ok(dt);
        }
        if let Ok(naive) = NaiveDateTime::parse_from_str(&cleaned, fmt) {
            if let Some(dt) = localize(naive, tz) {
                return Ok(dt);
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(&cleaned, fmt) {
            if let Some(dt) = localize(date.and_time(chrono::NaiveTime::MIN), tz) {
                return Ok(dt);
            }
        }
    }
    parse_date(text, tz)
}

/// `naive` as a wall-clock time in `tz`. In the autumn overlap the earlier instant is
/// taken; a time inside the spring gap is moved forward by the gap, as clocks do.
pub fn localize(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Some(dt.fixed_offset()),
        LocalResult::Ambiguous(early, _) => Some(early.fixed_offset()),
        LocalResult::None => {
            let later = naive.checked_add_signed(chrono::Duration::hours(1))?;
            tz.from_local_datetime(&later)
                .earliest()
                .map(|dt| dt.fixed_offset())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HCM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

    fn utc(text: &str, tz: Tz) -> String {
        match parse_date(text, tz) {
            Ok(dt) => dt.to_rfc3339(),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn seed_date_in_yen_bai() {
        let dt = parse_date("Thứ tư, 18/5/2022 | 5:29:48 AM", HCM).expect("seed date");
        assert_eq!(dt.to_rfc3339(), "2022-05-18T05:29:48+07:00");
        assert_eq!(
            dt.with_timezone(&chrono::Utc).to_rfc3339(),
            "2022-05-17T22:29:48+00:00"
        );
    }

    #[test]
    fn no_offset_uses_the_given_zone() {
        assert_eq!(utc("2022-05-18 05:29", HCM), "2022-05-18T05:29:00+07:00");
        assert_eq!(
            utc("2022-05-18 05:29", chrono_tz::UTC),
            "2022-05-18T05:29:00+00:00"
        );
        assert_eq!(
            utc("2022-07-01 12:00", chrono_tz::Europe::Berlin),
            "2022-07-01T12:00:00+02:00"
        );
    }

    #[test]
    fn dst_gap_and_overlap() {
        let ny = chrono_tz::America::New_York;
        // 02:30 does not exist on 2022-03-13 in New York: moved forward to 03:30 EDT.
        assert_eq!(utc("2022-03-13 02:30", ny), "2022-03-13T03:30:00-04:00");
        // 01:30 happens twice on 2022-11-06: the earlier (EDT) one.
        assert_eq!(utc("2022-11-06 01:30", ny), "2022-11-06T01:30:00-04:00");
    }

    #[test]
    fn errors_carry_the_text() {
        let e = parse_date("hôm qua", HCM).expect_err("not a date");
        assert_eq!(e.text, "hôm qua");
        assert!(e.to_string().contains("hôm qua"), "{e}");
        assert!(parse_date("", HCM).is_err());
        assert!(parse_date("32/13/2022", HCM).is_err());
        assert!(parse_date("2022-02-30", HCM).is_err());
        assert!(parse_date("18/05/2022 25:00", HCM).is_err());
        assert!(parse_date("2 giờ trước", HCM).is_err());
    }

    #[test]
    fn chrono_formats_first() {
        let fmts = vec!["%d/%m/%Y | %I:%M:%S %p".to_string()];
        let dt = parse_date_with_formats("18/5/2022 | 5:29:48 PM", &fmts, HCM).expect("fmt");
        assert_eq!(dt.to_rfc3339(), "2022-05-18T17:29:48+07:00");
        // A format that does not fit falls back to the lenient reader.
        let dt = parse_date_with_formats("Thứ tư, 18/5/2022 | 5:29:48 AM", &fmts, HCM)
            .expect("fallback");
        assert_eq!(dt.to_rfc3339(), "2022-05-18T05:29:48+07:00");
        // Month-first, which the lenient reader would read day-first.
        let us = vec!["%m/%d/%Y".to_string()];
        let dt = parse_date_with_formats("05/06/2022", &us, HCM).expect("us");
        assert_eq!(dt.to_rfc3339(), "2022-05-06T00:00:00+07:00");
        let off = vec!["%Y%m%d %H%M %z".to_string()];
        let dt = parse_date_with_formats("20220518 0529 +0200", &off, HCM).expect("z");
        assert_eq!(dt.to_rfc3339(), "2022-05-18T05:29:00+02:00");
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse_date(&s, HCM);
            let _ = parse_date_with_formats(&s, &["%d/%m/%Y".to_string()], HCM);
        }

        #[test]
        fn never_panics_on_date_like_noise(s in "[0-9:/ .,+TZ-]{0,40}(AM|PM|SA|CH|GMT|thg|tháng)?[0-9 :]{0,8}") {
            let _ = parse_date(&s, HCM);
        }

        #[test]
        fn rfc3339_round_trips(secs in -2_000_000_000i64..4_000_000_000i64,
                               off_min in -14 * 60i32..=14 * 60,
                               nanos in 0u32..1_000_000_000) {
            let off = FixedOffset::east_opt(off_min * 60).expect("in range");
            let dt = off.timestamp_opt(secs, nanos).single().expect("valid");
            let back = parse_date(&dt.to_rfc3339(), HCM).expect("round trip");
            prop_assert_eq!(back, dt);
            prop_assert_eq!(back.offset(), dt.offset());
        }

        #[test]
        fn rfc2822_round_trips(secs in 0i64..4_000_000_000i64, off_min in -12 * 60i32..=14 * 60) {
            let off = FixedOffset::east_opt(off_min * 60).expect("in range");
            let dt = off.timestamp_opt(secs, 0).single().expect("valid");
            let back = parse_date(&dt.to_rfc2822(), HCM).expect("round trip");
            prop_assert_eq!(back, dt);
        }
    }
}
