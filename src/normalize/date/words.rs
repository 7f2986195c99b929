//! Word tables for the lenient date parser: month names (English, French, German),
//! meridiem markers (English and Vietnamese), named time zones and military letters.
//!
//! Every entry is lowercase NFC, because the parser compares against the NFC-lowercased
//! input.

/// Month number of a month name or abbreviation, in English, French or German.
pub fn month(word: &str) -> Option<u32> {
    let m = match word {
        "january" | "jan" | "janvier" | "janv" | "januar" | "jänner" | "jän" => 1,
        "february" | "feb" | "février" | "fevrier" | "févr" | "fevr" | "fév" | "fev"
        | "februar" | "feber" => 2,
        "march" | "mar" | "mars" | "märz" | "maerz" | "mär" | "mrz" => 3,
        "april" | "apr" | "avril" | "avr" => 4,
        "may" | "mai" => 5,
        "june" | "jun" | "juin" | "juni" => 6,
        "july" | "jul" | "juillet" | "juil" | "juli" => 7,
        "august" | "aug" | "août" | "aout" | "aoû" => 8,
        "september" | "sep" | "sept" | "septembre" => 9,
        "october" | "oct" | "octobre" | "oktober" | "okt" => 10,
        "november" | "nov" | "novembre" => 11,
        "december" | "dec" | "décembre" | "decembre" | "déc" | "dezember" | "dez" => 12,
        _ => return None,
    };
    Some(m)
}

/// `Some(true)` for a post-meridiem marker, `Some(false)` for ante-meridiem. Vietnamese
/// pages write `SA` (sáng, morning) and `CH` (chiều, afternoon).
pub fn meridiem(word: &str) -> Option<bool> {
    match word {
        "am" | "sa" | "sáng" => Some(false),
        "pm" | "ch" | "chiều" | "tối" => Some(true),
        _ => None,
    }
}

/// Offset in seconds east of UTC of a named zone. Ambiguous abbreviations take their
/// RFC 822 / North American meaning (`CST` is US Central), as feeds use them.
pub fn zone(word: &str) -> Option<i32> {
    let hours = |h: i32| Some(h * 3600);
    match word {
        "gmt" | "ut" | "utc" | "z" | "wet" | "uct" => hours(0),
        "est" => hours(-5),
        "edt" => hours(-4),
        "cst" => hours(-6),
        "cdt" => hours(-5),
        "mst" => hours(-7),
        "mdt" => hours(-6),
        "pst" => hours(-8),
        "pdt" => hours(-7),
        "akst" => hours(-9),
        "akdt" => hours(-8),
        "hst" => hours(-10),
        "ict" | "wib" => hours(7),
        "hkt" | "sgt" | "awst" | "pht" => hours(8),
        "jst" | "kst" => hours(9),
        "aest" => hours(10),
        "aedt" => hours(11),
        "cet" | "mez" | "bst" | "west" => hours(1),
        "cest" | "mesz" | "eet" => hours(2),
        "eest" | "msk" => hours(3),
        _ => None,
    }
}

/// Offset of a military zone letter (A = +1 … I = +9, K = +10 … M = +12, N = −1 …
/// Y = −12, Z = UTC), in the military convention rather than RFC 822's inverted table.
pub fn military(letter: char) -> Option<i32> {
    let h = match letter {
        'a'..='i' => letter as i32 - 'a' as i32 + 1,
        'k'..='m' => letter as i32 - 'k' as i32 + 10,
        'n'..='y' => -(letter as i32 - 'n' as i32 + 1),
        'z' => 0,
        _ => return None,
    };
    Some(h * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_nfc_lowercase() {
        for w in [
            "jänner",
            "février",
            "märz",
            "août",
            "décembre",
            "sáng",
            "chiều",
            "tối",
        ] {
            assert_eq!(crate::text::nfc(w), w);
            assert_eq!(w.to_lowercase(), w);
        }
        assert_eq!(month("märz"), Some(3));
        assert_eq!(month("déc"), Some(12));
        assert_eq!(month("mai"), Some(5));
        assert_eq!(month("thứ"), None);
    }

    #[test]
    fn military_letters() {
        assert_eq!(military('a'), Some(3600));
        assert_eq!(military('i'), Some(9 * 3600));
        assert_eq!(military('j'), None);
        assert_eq!(military('k'), Some(10 * 3600));
        assert_eq!(military('m'), Some(12 * 3600));
        assert_eq!(military('n'), Some(-3600));
        assert_eq!(military('y'), Some(-12 * 3600));
        assert_eq!(military('z'), Some(0));
    }
}
