//! Errors in `[[source]]`, `[source.html]`, `[[category]]`, `[merged]` and `[tags]`.

use super::{assert_one, errors, SITE, SOURCE};

#[test]
fn duplicate_source_names() {
    assert_one(
        &format!("{SITE}{SOURCE}{SOURCE}"),
        8,
        8,
        "duplicate source name \"tin-tinh\" (already used at line 5)",
    );
}

#[test]
fn an_invalid_source_name() {
    assert_one(
        &format!("{SITE}[[source]]\nname = \"Tin Tỉnh\"\nurl = \"a.xml\"\n"),
        5,
        8,
        "may only contain lowercase letters a-z, digits and `-`; such as \"tin-tinh\"",
    );
}

#[test]
fn an_unknown_source_kind() {
    assert_one(
        &format!("{SITE}{SOURCE}kind = \"rss\"\n"),
        7,
        8,
        "expected \"feed\" or \"html\"",
    );
}

#[test]
fn html_kind_needs_an_html_table() {
    assert_one(
        &format!("{SITE}{SOURCE}kind = \"html\"\n"),
        4,
        1,
        "needs a [source.html] table",
    );
}

#[test]
fn an_html_table_on_a_feed_source_is_an_error() {
    assert_one(
        &format!("{SITE}{SOURCE}[source.html]\nitem = \"li\"\nlink = \"a\"\n"),
        7,
        1,
        "[source.html] is only used with kind = \"html\"",
    );
}

#[test]
fn html_tables_need_item_and_link() {
    assert_one(
        &format!("{SITE}{SOURCE}kind = \"html\"\n[source.html]\nitem = \"li\"\n"),
        8,
        1,
        "[source.html] is missing the required key `link`",
    );
}

#[test]
fn invalid_css_selectors_are_located() {
    assert_one(
        &format!("{SITE}{SOURCE}kind = \"html\"\n[source.html]\nitem = \"div.list-news .item\"\nlink = \"a[\"\n"),
        10,
        8,
        "`source.html.link`: invalid CSS selector \"a[\" (it ends too early)",
    );
    assert_one(
        &format!("{SITE}{SOURCE}kind = \"html\"\n[source.html]\nitem = \"li\"\nlink = \"a\"\nremove = [\".ads\", \"..share\"]\n"),
        11,
        19,
        "`source.html.remove`: invalid CSS selector \"..share\" (class needs ident)",
    );
}

#[test]
fn invalid_date_formats_and_hosts() {
    let errs = errors(&format!(
        "{SITE}{SOURCE}kind = \"html\"\n[source.html]\nitem = \"li\"\nlink = \"a\"\ndate_formats = [\"%d/%m/%Y\", \"%Q\"]\nallow_hosts = [\"https://cdn.example.vn/\"]\n"
    ));
    let got: Vec<(usize, usize)> = errs.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(got, vec![(11, 29), (12, 16)], "{errs:?}");
    assert!(
        errs[0]
            .message
            .contains("\"%Q\" is not a valid date format"),
        "{:?}",
        errs[0]
    );
    assert!(
        errs[1].message.contains("write only the host"),
        "{:?}",
        errs[1]
    );
}

#[test]
fn a_category_naming_an_unknown_source_is_reported_at_that_element() {
    assert_one(
        &format!("{SITE}{SOURCE}[[category]]\nname = \"Nông nghiệp\"\nsources = [\"tin-tinh\", \"tin-tnh\"]\n"),
        9,
        24,
        "category names unknown source \"tin-tnh\"; did you mean \"tin-tinh\"?",
    );
}

#[test]
fn a_category_naming_the_fixed_spelling_of_an_invalid_source_name_is_not_reported_twice() {
    assert_one(
        &format!("{SITE}[[source]]\nname = \"Tin Tỉnh\"\nurl = \"a.xml\"\n[[category]]\nname = \"Thời sự\"\nsources = [\"tin-tinh\"]\n"),
        5,
        8,
        "such as \"tin-tinh\"",
    );
}

#[test]
fn an_unknown_source_far_from_every_name_lists_the_defined_ones() {
    assert_one(
        &format!("{SITE}{SOURCE}[[source]]\nname = \"baoyenbai\"\nurl = \"b.xml\"\n[[category]]\nname = \"X\"\nsources = [\"vnexpress\"]\n"),
        12,
        12,
        "category names unknown source \"vnexpress\"; defined sources are: tin-tinh, baoyenbai",
    );
}

#[test]
fn duplicate_category_names_compare_by_tag_identity() {
    assert_one(
        &format!(
            "{SITE}[[category]]\nname = \"Nông nghiệp\"\n[[category]]\nname = \"NÔNG  NGHIỆP\"\n"
        ),
        7,
        8,
        "duplicate category name \"NÔNG  NGHIỆP\": the same as \"Nông nghiệp\" at line 5",
    );
}

#[test]
fn derived_category_slugs_collide() {
    assert_one(
        &format!(
            "{SITE}[[category]]\nname = \"Nông nghiệp\"\n[[category]]\nname = \"Nong nghiep!\"\n"
        ),
        7,
        8,
        "gets the derived slug \"nong-nghiep\", already used by category \"Nông nghiệp\" at line 5",
    );
}

#[test]
fn given_category_slugs_collide() {
    assert_one(
        &format!("{SITE}[[category]]\nname = \"Nông nghiệp\"\n[[category]]\nname = \"Lâm nghiệp\"\nslug = \"nong-nghiep\"\n"),
        8,
        8,
        "has slug \"nong-nghiep\", already used",
    );
}

#[test]
fn an_invalid_category_slug() {
    assert_one(
        &format!("{SITE}[[category]]\nname = \"Nông nghiệp\"\nslug = \"Nong_Nghiep\"\n"),
        6,
        8,
        "is not a valid slug; use lowercase letters, digits and single dashes, such as \"nong-nghiep\"",
    );
}

#[test]
fn an_invalid_regex_carries_the_regex_error() {
    assert_one(
        &format!("{SITE}[[category]]\nname = \"Nông nghiệp\"\nmatch = \"(?i)nông (nghiệp\"\n"),
        6,
        9,
        "invalid regular expression \"(?i)nông (nghiệp\": unclosed group",
    );
}

#[test]
fn merged_slug_rules() {
    assert_one(
        &format!("{SITE}[merged]\nslug = \"tag\"\n"),
        5,
        8,
        "cannot be \"tag\"",
    );
    assert_one(
        &format!("{SITE}[merged]\nslug = \"category\"\n"),
        5,
        8,
        "cannot be \"category\"",
    );
    assert_one(
        &format!("{SITE}[merged]\nslug = \"Tin khác\"\n"),
        5,
        8,
        "such as \"tin-khac\"",
    );
}

#[test]
fn an_alias_under_two_canonical_names() {
    assert_one(
        &format!("{SITE}[tags.aliases]\n\"Lục Yên\" = [\"huyện Lục Yên\", \"Luc Yen\"]\n\"Yên Bái\" = [\"yen bai\", \"LUC YEN\"]\n"),
        6,
        25,
        "alias \"LUC YEN\" is listed under both \"Lục Yên\" and \"Yên Bái\"",
    );
}

#[test]
fn an_alias_that_is_itself_a_canonical_name() {
    assert_one(
        &format!("{SITE}[tags.aliases]\n\"Lục Yên\" = [\"Luc Yen\"]\n\"LỤC  YÊN\" = [\"LY\"]\n"),
        6,
        1,
        "\"LỤC  YÊN\" is the same tag as \"Lục Yên\" at line 5",
    );
    assert_one(
        &format!(
            "{SITE}[tags.aliases]\n\"Yên Bái\" = [\"Lục Yên\"]\n\"Lục Yên\" = [\"Luc Yen\"]\n"
        ),
        5,
        14,
        "alias \"Lục Yên\" of \"Yên Bái\" is itself a canonical tag",
    );
}
