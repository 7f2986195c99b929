//! The words of the pages and the stylesheet, in the site's language: Vietnamese for `vi*`
//! sites, English otherwise.

/// Every word a page shows that is not the site's own.
pub(crate) struct Labels {
    /// Heading of the newest articles.
    pub latest: &'static str,
    /// Before the subscribe links.
    pub subscribe: &'static str,
    /// Before a format name in a subscribe link's title (`the feed in RSS`).
    pub feed_in: &'static str,
    /// The copy button.
    pub copy: &'static str,
    /// The copy button once it copied.
    pub copied: &'static str,
    /// What a feed is, for a newcomer (the index).
    pub what_is_a_feed: &'static str,
    /// The same on a feed's page, about its own feed.
    pub this_feed: &'static str,
    /// The stylesheet's note on a feed opened in a browser.
    pub xsl_note: &'static str,
    /// Before the feed's address on the stylesheet's page.
    pub address: &'static str,
    /// The filter box's label.
    pub filter: &'static str,
    /// The filter box's placeholder.
    pub filter_hint: &'static str,
    /// How many feeds the filter leaves (`{n}` is the number).
    pub shown: &'static str,
    /// Before an archive page's number.
    pub archive: &'static str,
    /// Heading of a feed's archive pages.
    pub older: &'static str,
    /// A feed's daily digest.
    pub digest: &'static str,
    /// Heading of the categories.
    pub categories: &'static str,
    /// Heading of the tags.
    pub tags: &'static str,
    /// After an article count.
    pub articles: &'static str,
    /// Before the merged feed's name in the link to its page.
    pub more_of: &'static str,
    /// A feed with no articles.
    pub none_yet: &'static str,
    /// The link back to the index.
    pub all_feeds: &'static str,
    /// The OPML link.
    pub opml: &'static str,
}

const VI: Labels = Labels {
    latest: "Tin mới nhất",
    subscribe: "Theo dõi",
    feed_in: "nguồn tin dạng",
    copy: "Chép địa chỉ",
    copied: "Đã chép",
    what_is_a_feed: "Mỗi mục dưới đây là một nguồn tin (feed): chép địa chỉ RSS hoặc Atom vào trình đọc tin để nhận bài mới.",
    this_feed: "Trang này có nguồn tin (feed) riêng: chép địa chỉ RSS hoặc Atom vào trình đọc tin để nhận bài mới.",
    xsl_note: "Đây là một nguồn tin (feed). Chép địa chỉ của trang này vào trình đọc tin để nhận bài mới.",
    address: "Địa chỉ",
    filter: "Lọc chuyên mục và thẻ",
    filter_hint: "ví dụ: luc yen",
    shown: "còn {n}",
    archive: "Lưu trữ",
    older: "Các trang cũ hơn",
    digest: "Bản tin hằng ngày",
    categories: "Chuyên mục",
    tags: "Thẻ",
    articles: "bài",
    more_of: "Xem thêm:",
    none_yet: "Chưa có bài nào.",
    all_feeds: "Mọi nguồn tin",
    opml: "Danh sách nguồn tin (OPML)",
};

const EN: Labels = Labels {
    latest: "Latest",
    subscribe: "Subscribe",
    feed_in: "the feed in",
    copy: "Copy address",
    copied: "Copied",
    what_is_a_feed: "Each entry below is a feed: copy its RSS or Atom address into your feed reader to get new articles.",
    this_feed: "This page has a feed: copy its RSS or Atom address into your feed reader to get new articles.",
    xsl_note: "This is a feed. Copy the address of this page into your feed reader to get new articles.",
    address: "Address",
    filter: "Filter categories and tags",
    filter_hint: "e.g. luc yen",
    shown: "{n} left",
    archive: "Archive",
    older: "Older pages",
    digest: "Daily digest",
    categories: "Categories",
    tags: "Tags",
    articles: "articles",
    more_of: "More:",
    none_yet: "No articles yet.",
    all_feeds: "All feeds",
    opml: "Feed list (OPML)",
};

/// The labels for a `site.language`.
pub(crate) fn for_language(language: &str) -> &'static Labels {
    if language.to_ascii_lowercase().starts_with("vi") {
        &VI
    } else {
        &EN
    }
}
