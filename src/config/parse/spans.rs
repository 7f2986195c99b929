//! Byte offsets (what the TOML parser reports) → 1-based line and column.
//!
//! Columns count characters, not bytes: `title = "Tin Yên Bái"` has multi-byte letters, and
//! an editor's column for anything after them is the character count.

use std::ops::Range;

/// Maps byte offsets of one text to line and column.
pub(super) struct Locator<'a> {
    text: &'a str,
    /// Byte offset where each line starts; the first is always 0.
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    /// Indexes the line starts of `text`.
    pub(super) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator { text, line_starts }
    }

    /// 1-based (line, column) of byte `offset`. Offsets past the end map to the end;
    /// offsets inside a multi-byte character map to that character.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // The last line start that is <= offset.
        let line_idx = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let mut end = offset;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let mut chars = self.text.get(start..end).map_or(0, |s| s.chars().count());
        // Editors do not show a byte order mark, so it takes no column.
        if start == 0 && end > 0 && self.text.starts_with('\u{feff}') {
            chars -= 1;
        }
        (line_idx + 1, chars + 1)
    }

    /// The source text of `span`, if the span is valid.
    pub(super) fn slice(&self, span: &Range<usize>) -> Option<&'a str> {
        self.text.get(span.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::Locator;

    #[test]
    fn first_character_is_line_1_column_1() {
        assert_eq!(Locator::new("a = 1").position(0), (1, 1));
    }

    #[test]
    fn columns_count_characters_after_vietnamese_text() {
        let text = "[site]\ntitle = \"Tin Yên Bái\" x\n";
        let loc = Locator::new(text);
        let x = text.find(" x").map(|i| i + 1).unwrap_or(0);
        // `title = "Tin Yên Bái" ` is 22 characters, so `x` is column 23.
        assert_eq!(loc.position(x), (2, 23));
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_do_not_panic() {
        let text = "ê\nđ";
        let loc = Locator::new(text);
        assert_eq!(loc.position(1), (1, 1));
        assert_eq!(loc.position(3), (2, 1));
        assert_eq!(loc.position(100), (2, 2));
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let loc = Locator::new("\u{feff}x = 1");
        assert_eq!(loc.position(3), (1, 1));
        assert_eq!(loc.position(5), (1, 3));
    }

    #[test]
    fn the_newline_belongs_to_its_line() {
        let loc = Locator::new("ab\ncd");
        assert_eq!(loc.position(2), (1, 3));
        assert_eq!(loc.position(3), (2, 1));
    }
}
