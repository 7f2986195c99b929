#!/usr/bin/env python3
"""Writes the reader corpus: one small feed per case plus its <name>.expect.json.

The feeds are written here (rather than by hand) because several cases are byte-exact
encodings (windows-1258, UTF-16/32, Shift_JIS …) that an editor would mangle. Run it from
anywhere: `python3 tests/data/read/gen.py`. The expectations are written out by hand below,
independently of the reader.
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = {}


def case(name, data, **expect):
    assert name not in CASES, name
    CASES[name] = (data, expect)


def rss(items, channel="", version="2.0", ns="", decl='<?xml version="1.0" encoding="UTF-8"?>\n'):
    return (f'{decl}<rss version="{version}"{ns}>\n<channel>\n'
            f'<title>Tin Yên Bái</title>\n<link>https://baoyenbai.com.vn/</link>\n{channel}'
            + "".join(items) + "</channel>\n</rss>\n")


def atom(entries, head="", ns='xmlns="http://www.w3.org/2005/Atom"', decl='<?xml version="1.0" encoding="utf-8"?>\n'):
    return (f'{decl}<feed {ns}>\n<title>Báo Yên Bái</title>\n'
            f'<link href="https://baoyenbai.com.vn/"/>\n<id>urn:uuid:yb</id>\n<updated>2022-05-18T05:29:48+07:00</updated>\n{head}'
            + "".join(entries) + "</feed>\n")


def item(title, link=None, extra=""):
    l = f"<link>{link}</link>" if link else ""
    return f"<item><title>{title}</title>{l}{extra}</item>\n"


def entry(title, link=None, extra=""):
    l = f'<link href="{link}"/>' if link else ""
    return f"<entry><title>{title}</title>{l}{extra}</entry>\n"


T1 = "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở"
T2 = "Trấn Yên: Phát triển vùng chè chất lượng cao"
L1 = "https://baoyenbai.com.vn/12/256311/luc-yen.aspx"
L2 = "https://baoyenbai.com.vn/12/256312/tran-yen.aspx"

# ---------------------------------------------------------------- RSS 2.0 basics
case("rss2_vi_basic.xml", rss([
    item(T1, L1, "<description>Thực hiện Nghị quyết số 37</description><pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate>"
         "<guid isPermaLink=\"false\">256311</guid><category>Lục Yên</category><category>Xây dựng Đảng</category>"
         "<author>toasoan@baoyenbai.com.vn (Thanh Phúc)</author>"),
    item(T2, L2, "<pubDate>Tue, 17 May 2022 08:00:00 +0700</pubDate><guid>256312</guid>"),
], channel="<language>vi</language>\n"),
    format="rss", version="2.0", encoding="UTF-8", title="Tin Yên Bái", link="https://baoyenbai.com.vn/",
    language="vi", count=2, warnings=[],
    items=[{"title": T1, "link": L1, "guid": "256311", "summary_html": "Thực hiện Nghị quyết số 37",
            "published": "Wed, 18 May 2022 05:29:48 +0700", "tags": ["Lục Yên", "Xây dựng Đảng"],
            "authors": ["toasoan@baoyenbai.com.vn (Thanh Phúc)"]},
           {"title": T2, "link": L2, "guid": "256312", "published": "Tue, 17 May 2022 08:00:00 +0700", "tags": []}])

case("rss2_cdata_description.xml", rss([item(T1, L1, "<description><![CDATA[<p>Đồng chí <b>Vũ Quỳnh Khánh</b> &amp; cán bộ</p>]]></description>")]),
     format="rss", count=1, items=[{"summary_html": "<p>Đồng chí <b>Vũ Quỳnh Khánh</b> &amp; cán bộ</p>"}])

case("rss2_escaped_description.xml", rss([item(T1, L1, "<description>&lt;p&gt;Chè &amp;amp; lúa&lt;/p&gt;</description>")]),
     count=1, items=[{"summary_html": "<p>Chè &amp; lúa</p>"}])

case("rss2_content_encoded.xml", rss([item(T1, L1, "<description>Tóm tắt</description>"
                                           "<content:encoded><![CDATA[<p>Toàn văn <img src=\"/a.jpg\"></p>]]></content:encoded>")],
                                     ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"'),
     count=1, items=[{"summary_html": "Tóm tắt", "content_html": "<p>Toàn văn <img src=\"/a.jpg\"></p>"}])

case("rss2_content_encoded_other_prefix.xml", rss([item(T1, L1, "<c:encoded>&lt;p&gt;Nội dung&lt;/p&gt;</c:encoded>")],
                                                  ns=' xmlns:c="http://purl.org/rss/1.0/modules/content/"'),
     count=1, items=[{"content_html": "<p>Nội dung</p>"}])

case("rss2_dc_creator_date_subject.xml", rss([item(T1, L1, "<dc:creator>Thanh Phúc</dc:creator><dc:date>2022-05-18T05:29:48+07:00</dc:date>"
                                                      "<dc:subject>Nông nghiệp</dc:subject>")],
                                            ns=' xmlns:dc="http://purl.org/dc/elements/1.1/"'),
     count=1, items=[{"authors": ["Thanh Phúc"], "published": "2022-05-18T05:29:48+07:00", "tags": ["Nông nghiệp"]}])

case("rss2_dc_other_prefix.xml", rss([item(T1, L1, "<purl:creator>Minh Huyền</purl:creator>")],
                                    ns=' xmlns:purl="http://purl.org/dc/elements/1.1/"'),
     count=1, items=[{"authors": ["Minh Huyền"]}])

case("rss2_pubdate_beats_dcdate.xml", rss([item(T1, L1, "<dc:date>2022-05-01T00:00:00Z</dc:date><pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate>")],
                                         ns=' xmlns:dc="http://purl.org/dc/elements/1.1/"'),
     count=1, items=[{"published": "Wed, 18 May 2022 05:29:48 +0700"}])

case("rss2_guid_permalink.xml", rss([item(T1, None, f"<guid>{L1}</guid>")]),
     count=1, items=[{"guid": L1, "link": L1}])

case("rss2_guid_not_permalink.xml", rss([item(T1, None, f'<guid isPermaLink="false">{L1}</guid>')]),
     count=1, items=[{"guid": L1, "link": None}])

case("rss2_guid_permalink_not_url.xml", rss([item(T1, None, "<guid>tin-256311</guid>")], channel=""),
     count=1, items=[{"guid": "tin-256311", "link": None}])

case("rss2_relative_link_base_url.xml", rss([item(T1, "/12/256311/luc-yen.aspx")]),
     base_url="https://baoyenbai.com.vn/rss/tin-tuc.rss", count=1,
     items=[{"link": L1, "base": "https://baoyenbai.com.vn/rss/tin-tuc.rss"}])

# No document URL (a local file): relative links resolve against the channel's own link.
case("rss2_relative_link_no_base.xml", rss([item(T1, "/12/256311/luc-yen.aspx")]),
     count=1, items=[{"link": "https://baoyenbai.com.vn/12/256311/luc-yen.aspx", "base": "https://baoyenbai.com.vn/"}])

case("rss2_enclosure_image.xml", rss([item(T1, L1, '<enclosure url="https://baoyenbai.com.vn/anh/1.jpg" length="1000" type="image/jpeg"/>')]),
     count=1, items=[{"image": "https://baoyenbai.com.vn/anh/1.jpg"}])

case("rss2_enclosure_audio_not_image.xml", rss([item(T1, L1, '<enclosure url="https://baoyenbai.com.vn/a.mp3" length="1000" type="audio/mpeg"/>')]),
     count=1, items=[{"image": None}])

case("rss2_media_content_image.xml", rss([item(T1, L1, '<media:content url="https://cdn.example.vn/1.jpg" medium="image" width="600"/>'
                                                '<enclosure url="https://cdn.example.vn/2.jpg" type="image/jpeg"/>')],
                                         ns=' xmlns:media="http://search.yahoo.com/mrss/"'),
     count=1, items=[{"image": "https://cdn.example.vn/1.jpg"}])

case("rss2_media_thumbnail.xml", rss([item(T1, L1, '<media:thumbnail url="https://cdn.example.vn/t.jpg"/>')],
                                    ns=' xmlns:media="http://search.yahoo.com/mrss/"'),
     count=1, items=[{"image": "https://cdn.example.vn/t.jpg"}])

case("rss2_media_group.xml", rss([item(T1, L1, '<media:group><media:content url="https://cdn.example.vn/v.mp4" type="video/mp4"/>'
                                        '<media:content url="https://cdn.example.vn/g.png" type="image/png"><media:title>Ảnh</media:title></media:content></media:group>')],
                                ns=' xmlns:media="http://search.yahoo.com/mrss/"'),
     count=1, items=[{"image": "https://cdn.example.vn/g.png", "title": T1}])

case("rss2_media_video_not_image.xml", rss([item(T1, L1, '<media:content url="https://cdn.example.vn/v.mp4" medium="video"/>')],
                                          ns=' xmlns:media="http://search.yahoo.com/mrss/"'),
     count=1, items=[{"image": None}])

case("rss2_itunes_image_summary.xml", rss([item(T1, L1, '<itunes:image href="https://cdn.example.vn/pod.jpg"/><itunes:summary>Bản tin &amp; phỏng vấn</itunes:summary>')],
                                         ns=' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'),
     count=1, items=[{"image": "https://cdn.example.vn/pod.jpg", "summary_html": "Bản tin &amp; phỏng vấn"}])

case("rss2_description_beats_itunes_summary.xml", rss([item(T1, L1, '<itunes:summary>Phụ</itunes:summary><description>Chính</description>')],
                                                     ns=' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'),
     count=1, items=[{"summary_html": "Chính"}])

case("rss2_atom_link_in_item.xml", rss([item(T1, None, f'<atom:link rel="alternate" href="{L1}"/>')],
                                      channel='<atom:link rel="self" href="https://baoyenbai.com.vn/rss.xml" type="application/rss+xml"/>\n',
                                      ns=' xmlns:atom="http://www.w3.org/2005/Atom"'),
     count=1, link="https://baoyenbai.com.vn/", items=[{"link": L1}])

case("rss2_atom_self_link_not_channel_link.xml",
     '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>X</title>'
     '<atom:link rel="self" href="https://example.vn/rss.xml"/><link>https://example.vn/</link></channel></rss>',
     count=0, link="https://example.vn/", title="X")

case("rss2_no_items.xml", rss([]), format="rss", count=0, title="Tin Yên Bái", warnings=[])

case("rss2_channel_image_not_title.xml",
     '<rss version="2.0"><channel><image><title>Logo</title><link>https://logo.example/</link><url>https://logo.example/l.png</url></image>'
     '<title>Kênh</title><link>https://example.vn/</link></channel></rss>',
     title="Kênh", link="https://example.vn/", count=0)

case("rss2_categories_many.xml", rss([item(T1, L1, '<category domain="https://baoyenbai.com.vn/tag">Lục Yên</category>'
                                                '<category>  Tân Lập  </category><category></category><category>"giao nhiệm vụ khoán sản phẩm”</category>')]),
     count=1, items=[{"tags": ["Lục Yên", "Tân Lập", "\"giao nhiệm vụ khoán sản phẩm”"]}])

case("rss2_multiple_authors_dc.xml", rss([item(T1, L1, "<dc:creator>A</dc:creator><dc:creator>B</dc:creator><dc:creator>A</dc:creator>")],
                                        ns=' xmlns:dc="http://purl.org/dc/elements/1.1/"'),
     count=1, items=[{"authors": ["A", "B"]}])

case("rss2_title_with_markup.xml", rss([item("<![CDATA[<b>Tin nóng</b>: lũ quét]]>", L1)]),
     count=1, items=[{"title": "<b>Tin nóng</b>: lũ quét"}])

case("rss2_item_without_title.xml", rss(["<item><description>Chỉ có mô tả</description><link>https://example.vn/1</link></item>\n"]),
     count=1, items=[{"title": None, "summary_html": "Chỉ có mô tả", "link": "https://example.vn/1"}])

case("rss2_whitespace_trimmed.xml", rss(["<item>\n  <title>\n   Tiêu đề có khoảng trắng  \n</title>\n  <link>\n https://example.vn/a \n</link>\n</item>\n"]),
     count=1, items=[{"title": "Tiêu đề có khoảng trắng", "link": "https://example.vn/a"}])

case("rss2_comments_pi_inside.xml", rss(["<!-- bình luận --><item><?php echo 1 ?><title>Tin <!-- x -->một</title><link>https://example.vn/1</link></item>\n"]),
     count=1, items=[{"title": "Tin một"}])

case("rss2_many_items.xml", rss([item(f"Tin số {i}", f"https://example.vn/{i}", f"<guid>g{i}</guid>") for i in range(1, 26)]),
     count=25, items=[{"title": "Tin số 1", "link": "https://example.vn/1"}] + [{}] * 23 + [{"title": "Tin số 25", "guid": "g25"}])

case("rss2_namespaced_default_userland.xml",
     '<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>U</title>'
     '<item><title>Mục</title><link>https://example.vn/u</link></item></channel></rss>',
     format="rss", count=1, title="U", items=[{"title": "Mục", "link": "https://example.vn/u"}])

case("rss2_no_version.xml", '<rss><channel><title>Không phiên bản</title><item><title>A</title></item></channel></rss>',
     format="rss", version="2.0", count=1)

for v in ["0.91", "0.92", "0.93", "0.94"]:
    case(f"rss{v.replace('.', '')}.xml", rss([item(f"Tin {v}", "https://example.vn/" + v, "<description>Mô tả</description>")], version=v),
         format="rss", version=v, count=1, items=[{"title": f"Tin {v}", "link": "https://example.vn/" + v, "summary_html": "Mô tả"}])

case("rss091_netscape_doctype.xml",
     '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
     '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Caf&eacute;</title>'
     '<language>fr</language><item><title>R&eacute;sum&eacute;</title><link>https://example.fr/r</link></item></channel></rss>',
     format="rss", version="0.91", encoding="windows-1252", title="Café", language="fr", count=1, items=[{"title": "Résumé"}])

# ---------------------------------------------------------------- entities and leniency
case("entity_nbsp_no_dtd.xml", rss([item("Yên&nbsp;Bái", L1)]), count=1, items=[{"title": "Yên\u00a0Bái"}])
case("entity_eacute.xml", rss([item("Caf&eacute; &amp; tr&agrave;", L1)]), count=1, items=[{"title": "Café & trà"}])
case("entity_html5_rare.xml", rss([item("&hellip; &mdash; &ldquo;x&rdquo; &euro; &NotEqualTilde;", L1)]), count=1,
     items=[{"title": "… — “x” € ≂̸"}])
case("entity_numeric.xml", rss([item("Vi&#7879;t &#x110;&#x1EA3;ng", L1)]), count=1, items=[{"title": "Việt Đảng"}])
case("entity_bare_ampersand_text.xml", rss([item("Nông & lâm nghiệp", L1)]), count=1, items=[{"title": "Nông & lâm nghiệp"}])
case("entity_bare_ampersand_url.xml", rss([item("A", "https://example.vn/tin?id=1&cat=2")]), count=1,
     items=[{"link": "https://example.vn/tin?id=1&cat=2"}])
case("entity_bare_ampersand_attr.xml", rss([item("A", L1, '<enclosure url="https://example.vn/a.jpg?w=1&h=2" type="image/jpeg"/>')]),
     count=1, items=[{"image": "https://example.vn/a.jpg?w=1&h=2"}])
case("entity_unknown_kept.xml", rss([item("Giá &foo; tăng", L1)]), count=1, items=[{"title": "Giá &foo; tăng"}])
case("entity_double_escaped_description.xml", rss([item("A", L1, "<description>&amp;lt;b&amp;gt;</description>")]),
     count=1, items=[{"summary_html": "&lt;b&gt;"}])
case("entity_apos_quot.xml", rss([item("&quot;Chè&quot; l&apos;an", L1)]), count=1, items=[{"title": "\"Chè\" l'an"}])

case("wrong_case_elements.xml",
     '<RSS version="2.0"><Channel><Title>Hoa Thường</Title><ITEM><TITLE>Tin hoa</TITLE><Link>https://example.vn/h</Link>'
     '<PubDate>Wed, 18 May 2022 05:29:48 +0700</PubDate></ITEM></Channel></RSS>',
     format="rss", title="Hoa Thường", count=1,
     items=[{"title": "Tin hoa", "link": "https://example.vn/h", "published": "Wed, 18 May 2022 05:29:48 +0700"}])

case("undeclared_prefix_dc.xml", rss([item(T1, L1, "<dc:creator>Không khai báo</dc:creator><content:encoded>&lt;p&gt;x&lt;/p&gt;</content:encoded>")]),
     count=1, items=[{"authors": ["Không khai báo"], "content_html": "<p>x</p>"}])

case("undeclared_prefix_media.xml", rss([item(T1, L1, '<media:thumbnail url="https://example.vn/t.png"/>')]),
     count=1, items=[{"image": "https://example.vn/t.png"}])

case("invalid_control_chars.xml", rss([item("Tin\x01 có\x0b ký tự\x1f lạ", L1)]), count=1,
     items=[{"title": "Tin có ký tự lạ"}], warnings=["control characters"])

case("unescaped_html_in_description.xml", rss([item("A", L1, "<description><p>Đoạn <b>đậm</b></p></description>")]),
     count=1, items=[{"summary_html": "<p>Đoạn <b>đậm</b></p>"}])

case("leading_whitespace_before_decl.xml", "\n\n  " + rss([item("A", L1)]), format="rss", count=1)

case("stray_end_tag.xml", rss([item("A", L1, "</span>"), item("B", L2)]), count=2,
     items=[{"title": "A"}, {"title": "B"}])

# ---------------------------------------------------------------- truncation
full = rss([item(f"Tin {i}", f"https://example.vn/{i}", f"<guid>g{i}</guid><description>Mô tả {i}</description>") for i in range(1, 5)])
cut = full[:full.index("<description>Mô tả 3") + 20]
case("truncated_mid_item.xml", cut, format="rss", count=2, items=[{"title": "Tin 1"}, {"title": "Tin 2"}],
     warnings=["cut off at line", "kept"])
cut2 = full[:full.index("<item><title>Tin 4")]
case("truncated_between_items.xml", cut2, count=3, warnings=["cut off"])
cut3 = full[:full.index("<guid>g2") + 3]
case("truncated_mid_tag.xml", cut3, count=1, items=[{"title": "Tin 1"}], warnings=["line"])
afull = atom([entry(f"Bài {i}", f"https://example.vn/a{i}", f"<id>a{i}</id>") for i in range(1, 4)])
case("truncated_atom.xml", afull[:afull.index("<id>a3") + 2], format="atom", count=2, warnings=["cut off"])
case("truncated_in_cdata.xml", rss([item("A", L1), item("B", L2, "<description><![CDATA[<p>chưa xong")]).split("</item>\n<item>")[0]
     + "</item>\n<item><title>B</title><description><![CDATA[<p>chưa xong", count=1, items=[{"title": "A"}], warnings=["line"])

# ---------------------------------------------------------------- repeated GUIDs
case("repeated_guid_distinct.xml", rss([item(f"Tin {i}", f"https://example.vn/{i}", "<guid isPermaLink=\"false\">same</guid>") for i in range(1, 11)]),
     count=10, items=[{"title": "Tin 1"}] + [{}] * 8 + [{"title": "Tin 10", "link": "https://example.vn/10"}],
     warnings=["10 different items share the GUID \"same\""])
case("repeated_guid_exact_copy.xml", rss([item("Tin 1", "https://example.vn/1", "<guid>x</guid>")] * 2 + [item("Tin 2", "https://example.vn/2", "<guid>y</guid>")]),
     count=2, items=[{"title": "Tin 1"}, {"title": "Tin 2"}], warnings=["1 exact duplicate"])
case("repeated_atom_id.xml", atom([entry("Một", "https://example.vn/1", "<id>dup</id>"), entry("Hai", "https://example.vn/2", "<id>dup</id>")]),
     count=2, items=[{"title": "Một"}, {"title": "Hai"}], warnings=["share the GUID"])

# ---------------------------------------------------------------- xml:base
case("xml_base_feed.xml", atom([entry("A", "tin/1.html")], ns='xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.vn/bai/"'),
     count=1, items=[{"link": "https://example.vn/bai/tin/1.html", "base": "https://example.vn/bai/"}])
case("xml_base_nested_relative.xml",
     atom(['<entry xml:base="muc/"><title>A</title><link href="1.html"/><id>x</id></entry>\n'],
          ns='xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.vn/bai/"'),
     count=1, items=[{"link": "https://example.vn/bai/muc/1.html", "base": "https://example.vn/bai/muc/"}])
case("xml_base_on_link.xml",
     atom(['<entry><title>A</title><link xml:base="https://other.vn/x/" href="y.html"/><id>x</id></entry>\n']),
     count=1, items=[{"link": "https://other.vn/x/y.html"}])
case("xml_base_relative_to_doc_url.xml", atom(['<entry xml:base="/goc/"><title>A</title><link href="a"/><id>x</id></entry>\n']),
     base_url="https://example.vn/feeds/atom.xml", count=1, items=[{"link": "https://example.vn/goc/a"}])
case("xml_base_in_rss.xml", '<rss version="2.0" xml:base="https://example.vn/r/"><channel><title>R</title><link>/</link>'
     '<item><title>A</title><link>a.html</link></item></channel></rss>',
     link="https://example.vn/", count=1, items=[{"link": "https://example.vn/r/a.html"}])
case("xml_base_scope_ends.xml",
     atom(['<entry><title>A</title><link href="a"/><content type="xhtml" xml:base="https://x.vn/"><div xmlns="http://www.w3.org/1999/xhtml">x</div></content><id>1</id></entry>\n',
           '<entry><title>B</title><link href="b"/><id>2</id></entry>\n']),
     base_url="https://example.vn/f", count=2, items=[{"link": "https://example.vn/a"}, {"link": "https://example.vn/b"}])

# ---------------------------------------------------------------- Atom 1.0
case("atom_vi_basic.xml", atom([
    entry(T1, L1, "<id>tag:baoyenbai.com.vn,2022:256311</id><published>2022-05-18T05:29:48+07:00</published><updated>2022-05-18T06:00:00+07:00</updated>"
          "<author><name>Thanh Phúc</name><email>tp@baoyenbai.com.vn</email></author><category term=\"luc-yen\" label=\"Lục Yên\"/><category term=\"Đảng\"/>"
          "<summary>Thực hiện Nghị quyết số 37 &amp; hơn thế</summary>"),
], head='<subtitle>Tin tức</subtitle>\n', ns='xmlns="http://www.w3.org/2005/Atom" xml:lang="vi"'),
    format="atom", version="1.0", title="Báo Yên Bái", link="https://baoyenbai.com.vn/", language="vi", count=1, warnings=[],
    items=[{"title": T1, "link": L1, "guid": "tag:baoyenbai.com.vn,2022:256311", "published": "2022-05-18T05:29:48+07:00",
            "updated": "2022-05-18T06:00:00+07:00", "authors": ["Thanh Phúc"], "tags": ["Lục Yên", "Đảng"],
            "summary_html": "Thực hiện Nghị quyết số 37 &amp; hơn thế"}])

case("atom_text_type_escaped.xml", atom([entry("A", L1, "<summary type=\"text\">1 &lt; 2 &amp; &quot;x&quot;</summary>")]),
     count=1, items=[{"summary_html": "1 &lt; 2 &amp; \"x\""}])
case("atom_html_type.xml", atom([entry("A", L1, "<content type=\"html\">&lt;p&gt;Chè &lt;b&gt;Suối Giàng&lt;/b&gt;&lt;/p&gt;</content>")]),
     count=1, items=[{"content_html": "<p>Chè <b>Suối Giàng</b></p>"}])
case("atom_xhtml_type.xml", atom([entry("A", L1, "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Ruộng <em>bậc thang</em> &amp; mây</p></div></content>")]),
     count=1, items=[{"content_html": "<p>Ruộng <em>bậc thang</em> &amp; mây</p>"}])
case("atom_xhtml_title.xml", atom(['<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Mù <b>Cang</b> Chải</div></title><id>1</id></entry>\n']),
     count=1, items=[{"title": "Mù <b>Cang</b> Chải"}])
case("atom_html_title.xml", atom(['<entry><title type="html">AT&amp;amp;T &lt;i&gt;x&lt;/i&gt;</title><id>1</id></entry>\n']),
     count=1, items=[{"title": "AT&amp;T <i>x</i>"}])
case("atom_link_rel_alternate_preferred.xml", atom([
    '<entry><title>A</title><link rel="edit" href="https://example.vn/edit/1"/><link rel="self" href="https://example.vn/self/1"/>'
    '<link rel="alternate" type="text/html" href="https://example.vn/1"/><id>1</id></entry>\n']),
    count=1, items=[{"link": "https://example.vn/1"}])
case("atom_link_no_rel.xml", atom(['<entry><title>A</title><link href="https://example.vn/norel"/><id>1</id></entry>\n']),
     count=1, items=[{"link": "https://example.vn/norel"}])
case("atom_link_enclosure_image.xml", atom(['<entry><title>A</title><link rel="enclosure" type="image/png" href="https://example.vn/i.png"/><id>1</id></entry>\n']),
     count=1, items=[{"image": "https://example.vn/i.png", "link": None}])
case("atom_source_not_entry_fields.xml", atom(['<entry><title>Thật</title><id>real</id><source><title>Nguồn</title><id>src</id>'
                                               '<link href="https://source.vn/"/></source><link href="https://example.vn/real"/></entry>\n']),
     count=1, items=[{"title": "Thật", "guid": "real", "link": "https://example.vn/real"}])
case("atom_author_email_only.xml", atom(['<entry><title>A</title><id>1</id><author><email>ban@example.vn</email></author></entry>\n']),
     count=1, items=[{"authors": ["ban@example.vn"]}])
case("atom_multiple_authors.xml", atom(['<entry><title>A</title><id>1</id><author><name>Một</name></author><author><name>Hai</name></author></entry>\n']),
     count=1, items=[{"authors": ["Một", "Hai"]}])
case("atom_content_src.xml", atom(['<entry><title>A</title><id>1</id><content src="https://example.vn/full" type="text/html"/><summary>Tóm</summary></entry>\n']),
     count=1, items=[{"content_html": None, "summary_html": "Tóm"}])
case("atom_other_prefix.xml",
     '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>Tiền tố</a:title><a:entry><a:title>Mục</a:title><a:id>1</a:id>'
     '<a:link href="https://example.vn/p"/></a:entry></a:feed>',
     format="atom", version="1.0", title="Tiền tố", count=1, items=[{"title": "Mục", "link": "https://example.vn/p"}])
case("atom_media_thumbnail.xml", atom([entry("A", L1, '<id>1</id><media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" url="https://example.vn/t.jpg"/>')]),
     count=1, items=[{"image": "https://example.vn/t.jpg"}])
case("atom_cdata_html.xml", atom([entry("A", L1, '<id>1</id><content type="html"><![CDATA[<p>Hồ Thác Bà</p>]]></content>')]),
     count=1, items=[{"content_html": "<p>Hồ Thác Bà</p>"}])
case("atom_no_namespace.xml", '<feed><title>Không NS</title><entry><title>A</title><id>1</id><link href="https://example.vn/n"/></entry></feed>',
     format="atom", count=1, items=[{"link": "https://example.vn/n"}])
case("atom_feed_alternate_link.xml",
     '<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><link rel="self" href="https://example.vn/atom.xml"/>'
     '<link rel="alternate" type="text/html" href="https://example.vn/"/></feed>',
     format="atom", link="https://example.vn/", count=0)
case("atom_dc_subject_and_updated_only.xml",
     atom([entry("A", L1, '<id>1</id><updated>2022-05-18T05:29:48+07:00</updated><dc:subject xmlns:dc="http://purl.org/dc/elements/1.1/">Chè</dc:subject>')]),
     count=1, items=[{"published": None, "updated": "2022-05-18T05:29:48+07:00", "tags": ["Chè"]}])

# ---------------------------------------------------------------- Atom 0.3
a03 = ('<?xml version="1.0" encoding="utf-8"?>\n<feed version="0.3" xmlns="http://purl.org/atom/ns#">\n<title>Atom cũ</title>'
       '<link rel="alternate" type="text/html" href="https://example.vn/"/><modified>2004-12-29T10:00:00Z</modified>\n{}</feed>')
case("atom03_basic.xml", a03.format('<entry><title>Mục cũ</title><link rel="alternate" type="text/html" href="https://example.vn/03"/>'
                                    '<id>tag:example.vn,2004:1</id><issued>2004-12-29T09:00:00+07:00</issued><modified>2004-12-29T10:00:00Z</modified>'
                                    '<created>2004-12-28T00:00:00Z</created><author><name>Tác giả</name></author></entry>'),
     format="atom", version="0.3", title="Atom cũ", link="https://example.vn/", count=1,
     items=[{"title": "Mục cũ", "link": "https://example.vn/03", "guid": "tag:example.vn,2004:1",
             "published": "2004-12-29T09:00:00+07:00", "updated": "2004-12-29T10:00:00Z", "authors": ["Tác giả"]}])
case("atom03_created_only.xml", a03.format('<entry><title>A</title><id>1</id><created>2004-12-28T00:00:00Z</created></entry>'),
     count=1, items=[{"published": "2004-12-28T00:00:00Z"}])
case("atom03_mode_escaped.xml", a03.format('<entry><title>A</title><id>1</id><content type="text/html" mode="escaped">&lt;p&gt;Thoát&lt;/p&gt;</content></entry>'),
     count=1, items=[{"content_html": "<p>Thoát</p>"}])
b64 = base64.b64encode("<p>Mã hoá base64</p>".encode()).decode()
case("atom03_mode_base64.xml", a03.format(f'<entry><title>A</title><id>1</id><content type="text/html" mode="base64">{b64}</content></entry>'),
     count=1, items=[{"content_html": "<p>Mã hoá base64</p>"}])
case("atom03_mode_xml.xml", a03.format('<entry><title>A</title><id>1</id><content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XML</p></div></content></entry>'),
     count=1, items=[{"content_html": "<p>XML</p>"}])
case("atom03_summary_plain.xml", a03.format('<entry><title>A</title><id>1</id><summary>a &lt; b</summary></entry>'),
     count=1, items=[{"summary_html": "a &lt; b"}])
case("atom03_tagline_ignored_title_kept.xml", a03.format('').replace("<title>Atom cũ</title>", "<title>Atom cũ</title><tagline>Khẩu hiệu</tagline>"),
     title="Atom cũ", count=0)
case("atom03_version_attr_no_ns.xml", '<feed version="0.3"><title>V</title><entry><title>A</title><id>1</id></entry></feed>',
     format="atom", version="0.3", count=1)

# ---------------------------------------------------------------- RSS 1.0 / RDF
rdf = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
       ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel rdf:about="https://example.vn/"><title>RDF Yên Bái</title>'
       '<link>https://example.vn/</link><dc:language>vi</dc:language><items><rdf:Seq><rdf:li resource="https://example.vn/1"/></rdf:Seq></items></channel>\n{}</rdf:RDF>')
case("rdf_basic.xml", rdf.format('<item rdf:about="https://example.vn/1"><title>Mục RDF</title><link>https://example.vn/1</link>'
                                 '<description>Mô tả RDF</description><dc:date>2022-05-18T05:29:48+07:00</dc:date><dc:creator>Biên tập</dc:creator>'
                                 '<dc:subject>Văn hoá</dc:subject></item>\n<item rdf:about="https://example.vn/2"><title>Mục 2</title><link>https://example.vn/2</link></item>'),
     format="rdf", version="1.0", title="RDF Yên Bái", link="https://example.vn/", language="vi", count=2,
     items=[{"title": "Mục RDF", "link": "https://example.vn/1", "summary_html": "Mô tả RDF", "published": "2022-05-18T05:29:48+07:00",
             "authors": ["Biên tập"], "tags": ["Văn hoá"]}, {"title": "Mục 2"}])
case("rdf_image_textinput_ignored.xml", rdf.format('<image rdf:about="https://example.vn/logo.png"><title>Logo</title><url>https://example.vn/logo.png</url></image>'
                                                   '<item><title>Chỉ mục</title><link>https://example.vn/c</link></item><textinput><title>Tìm</title></textinput>'),
     title="RDF Yên Bái", count=1, items=[{"title": "Chỉ mục"}])
case("rss090.xml", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">'
     '<channel><title>Mozilla Dot Org</title><link>http://www.mozilla.org</link></channel>'
     '<item><title>New Status Updates</title><link>http://www.mozilla.org/status/</link></item>'
     '<item><title>Bugzilla Reorganized</title><link>http://www.mozilla.org/bugs/</link></item></rdf:RDF>',
     format="rdf", version="0.90", title="Mozilla Dot Org", link="http://www.mozilla.org/", count=2,
     items=[{"title": "New Status Updates", "link": "http://www.mozilla.org/status/"}, {"title": "Bugzilla Reorganized"}])
case("rdf_content_encoded.xml", rdf.format('<item><title>A</title><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">&lt;p&gt;Đầy đủ&lt;/p&gt;</content:encoded></item>'),
     count=1, items=[{"content_html": "<p>Đầy đủ</p>"}])

# ---------------------------------------------------------------- JSON Feed
jf = {"version": "https://jsonfeed.org/version/1.1", "title": "JSON Yên Bái", "home_page_url": "https://example.vn/", "language": "vi",
      "items": [{"id": "1", "url": "https://example.vn/j1", "title": T1, "content_html": "<p>Nội dung</p>", "summary": "Tóm tắt <ngắn>",
                 "date_published": "2022-05-18T05:29:48+07:00", "date_modified": "2022-05-18T06:00:00+07:00",
                 "authors": [{"name": "Thanh Phúc"}], "tags": ["Lục Yên", "Đảng"], "image": "https://example.vn/j1.jpg"},
                {"id": 2, "url": "/j2", "title": "Hai", "content_text": "Chỉ văn bản & thô"}]}
case("json_11_basic.json", json.dumps(jf, ensure_ascii=False, indent=1), base_url="https://example.vn/feed.json",
     format="json", version="1.1", title="JSON Yên Bái", link="https://example.vn/", language="vi", count=2, warnings=[],
     items=[{"guid": "1", "link": "https://example.vn/j1", "title": T1, "content_html": "<p>Nội dung</p>", "summary_html": "Tóm tắt &lt;ngắn&gt;",
             "published": "2022-05-18T05:29:48+07:00", "updated": "2022-05-18T06:00:00+07:00", "authors": ["Thanh Phúc"],
             "tags": ["Lục Yên", "Đảng"], "image": "https://example.vn/j1.jpg"},
            {"guid": "2", "link": "https://example.vn/j2", "summary_html": "Chỉ văn bản &amp; thô", "content_html": None}])
case("json_10_author.json", json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Cũ", "items": [
    {"id": "a", "url": "https://example.vn/a", "title": "A", "author": {"name": "Một tác giả"}, "content_text": "x"}]}, ensure_ascii=False),
     format="json", version="1", count=1, items=[{"authors": ["Một tác giả"]}])
case("json_unix_timestamp.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
    {"id": "t", "title": "Giờ Unix", "date_published": 1652826588, "date_modified": 1652826588.5}]}, ensure_ascii=False),
     count=1, items=[{"published": "2022-05-17T22:29:48Z", "updated": "2022-05-17T22:29:48.500Z"}])
case("json_truncated.json", json.dumps(jf, ensure_ascii=False, indent=1)[:-40], format="json", count=1,
     items=[{"title": T1}], warnings=["kept the 1 complete items"])
case("json_not_feed.json", '{"hello": "world"}', error="not a JSON Feed")
case("json_bom.json", "\ufeff" + json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "BOM", "items": []}),
     format="json", title="BOM", count=0)
case("json_external_url.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
    {"id": "e", "external_url": "https://nguon.vn/bai", "title": "Ngoài"}]}), count=1, items=[{"link": "https://nguon.vn/bai"}])

# ---------------------------------------------------------------- HTML instead of a feed
case("html_with_alternates.html",
     '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Báo Yên Bái</title>'
     '<link rel="alternate" type="application/rss+xml" title="Tin" href="/rss/tin-tuc.rss">'
     '<link rel="alternate" type="application/atom+xml" href="https://baoyenbai.com.vn/atom.xml">'
     '<link rel="stylesheet" href="/a.css"><link rel="alternate" hreflang="en" href="/en/"></head><body><p>Trang chủ &nbsp;</p></body></html>',
     base_url="https://baoyenbai.com.vn/tin-tuc/", error="HTML page",
     alternates=["https://baoyenbai.com.vn/rss/tin-tuc.rss", "https://baoyenbai.com.vn/atom.xml"])
case("html_no_alternates.html", "<html><head><title>x</title></head><body>Không có feed<br></body></html>",
     error="advertises no feed", alternates=[])
case("html_base_href.html", '<!doctype html><html><head><base href="https://cdn.example.vn/sub/">'
     '<link rel="Alternate" type="application/rss+xml" href="rss.xml"></head></html>', base_url="https://example.vn/",
     error="HTML page", alternates=["https://cdn.example.vn/sub/rss.xml"])
case("html_after_comment.html", '<!-- trang --><?xml version="1.0"?><html><head><link rel="alternate" type="application/atom+xml" href="/a.xml"/></head><body><br></body></html>',
     base_url="https://example.vn/x", error="HTML page", alternates=["https://example.vn/a.xml"])

# ---------------------------------------------------------------- not feeds
case("not_feed_root.xml", '<?xml version="1.0"?><urlset><url><loc>https://example.vn/</loc></url></urlset>', error="root element is <urlset>")
case("empty.xml", "", error="empty")
case("whitespace_only.xml", "  \n\t ", error="empty")
case("garbage.bin", bytes(range(256)) * 2, error="")

# ---------------------------------------------------------------- encodings
VI = "Tiếng Việt: Đảng bộ huyện Lục Yên"


def enc_rss(title, label):
    return (f'<?xml version="1.0" encoding="{label}"?>\n<rss version="2.0"><channel><title>{title}</title>'
            f'<item><title>{title}</title><link>https://example.vn/e</link></item></channel></rss>')


# windows-1258: tone marks as combining characters; the reader must hand back NFC.
w1258 = (b'<?xml version="1.0" encoding="windows-1258"?>\n<rss version="2.0"><channel><title>Ti\xea\xecng Vi\xea\xf2t</title>'
         b'<item><title>\xd0a\xd2ng b\xf4\xf2 huy\xea\xf2n Lu\xf2c Y\xean</title><link>https://example.vn/w</link></item></channel></rss>')
case("enc_windows1258.xml", w1258, encoding="windows-1258", title="Tiếng Việt", count=1,
     items=[{"title": "Đảng bộ huyện Lục Yên"}])
w1258_http = w1258.replace(b' encoding="windows-1258"', b"")
case("enc_windows1258_http_charset.xml", w1258_http, content_type="application/rss+xml; charset=windows-1258",
     encoding="windows-1258", title="Tiếng Việt", count=1)
case("enc_windows1258_precomposed.xml", w1258.replace(b"Ti\xea\xecng", b"Ti\xd5ng"),
     encoding="windows-1258", title="TiƠng Việt", count=1)
case("enc_windows1252.xml", enc_rss("Café crème – “Noël”", "windows-1252").encode("cp1252"), encoding="windows-1252",
     title="Café crème – “Noël”", count=1)
case("enc_iso88591_label.xml", enc_rss("Français été", "ISO-8859-1").encode("latin-1"), encoding="windows-1252",
     title="Français été", count=1)
case("enc_iso88592.xml", enc_rss("Łódź żółć", "ISO-8859-2").encode("iso8859_2"), encoding="ISO-8859-2", title="Łódź żółć")
case("enc_iso88595.xml", enc_rss("Москва", "ISO-8859-5").encode("iso8859_5"), encoding="ISO-8859-5", title="Москва")
case("enc_iso88597.xml", enc_rss("Αθήνα", "ISO-8859-7").encode("iso8859_7"), encoding="ISO-8859-7", title="Αθήνα")
case("enc_iso885915.xml", enc_rss("Prix 5 €", "ISO-8859-15").encode("iso8859_15"), encoding="ISO-8859-15", title="Prix 5 €")
case("enc_koi8r.xml", enc_rss("Новости дня", "KOI8-R").encode("koi8_r"), encoding="KOI8-R", title="Новости дня", count=1)
case("enc_gbk.xml", enc_rss("新闻中心", "GBK").encode("gbk"), encoding="GBK", title="新闻中心")
case("enc_gb2312_label.xml", enc_rss("简体中文", "gb2312").encode("gbk"), encoding="GBK", title="简体中文")
case("enc_gb18030.xml", enc_rss("中文 €", "GB18030").encode("gb18030"), encoding="gb18030", title="中文 €")
case("enc_big5.xml", enc_rss("繁體中文新聞", "Big5").encode("big5"), encoding="Big5", title="繁體中文新聞")
case("enc_shift_jis.xml", enc_rss("日本語のニュース", "Shift_JIS").encode("shift_jis"), encoding="Shift_JIS", title="日本語のニュース")
case("enc_euc_kr.xml", enc_rss("한국어 뉴스", "EUC-KR").encode("euc_kr"), encoding="EUC-KR", title="한국어 뉴스")
case("enc_euc_jp.xml", enc_rss("日本語", "EUC-JP").encode("euc_jp"), encoding="EUC-JP", title="日本語")
case("enc_utf8_bom.xml", b"\xef\xbb\xbf" + enc_rss(VI, "UTF-8").encode(), encoding="UTF-8", title=VI, warnings=[])
case("enc_utf16le_bom.xml", b"\xff\xfe" + enc_rss(VI, "UTF-16").encode("utf-16-le"), encoding="UTF-16LE", title=VI, count=1)
case("enc_utf16be_bom.xml", b"\xfe\xff" + enc_rss(VI, "UTF-16").encode("utf-16-be"), encoding="UTF-16BE", title=VI, count=1)
case("enc_utf16le_no_bom.xml", enc_rss(VI, "UTF-16").encode("utf-16-le"), encoding="UTF-16LE", title=VI)
case("enc_utf32le_bom.xml", b"\xff\xfe\x00\x00" + enc_rss(VI, "UTF-32").encode("utf-32-le"), encoding="UTF-32LE", title=VI, count=1)
case("enc_utf32be_bom.xml", b"\x00\x00\xfe\xff" + enc_rss(VI, "UTF-32").encode("utf-32-be"), encoding="UTF-32BE", title=VI, count=1)
case("enc_bom_beats_declaration.xml", b"\xef\xbb\xbf" + enc_rss(VI, "windows-1252").encode(), encoding="UTF-8", title=VI)
case("enc_http_beats_declaration.xml", enc_rss("Привет", "windows-1252").encode("koi8_r"), content_type="text/xml; charset=KOI8-R",
     encoding="KOI8-R", title="Привет")
case("enc_declared_1252_sent_utf8.xml", enc_rss(VI, "windows-1252").encode(), encoding="UTF-8", title=VI,
     warnings=["labelled windows-1252 but its bytes are UTF-8"])
case("enc_utf8_invalid_bytes.xml", enc_rss("Lục Yên", "UTF-8").encode().replace("Yên".encode(), b"Y\xffn"), encoding="UTF-8",
     title="Lục Y\ufffdn", count=1, warnings=["invalid UTF-8 bytes"])
case("enc_no_declaration_default_utf8.xml", '<rss version="2.0"><channel><title>Mặc định</title></channel></rss>', encoding="UTF-8", title="Mặc định")
case("enc_unknown_label.xml", enc_rss("Lạ", "x-unknown-charset").encode(), encoding="UTF-8", title="Lạ", warnings=["unknown encoding"])
case("enc_nfd_utf8_kept.xml", enc_rss("Vi\u0065\u0302\u0323t", "UTF-8").encode(), encoding="UTF-8", title="Vi\u0065\u0302\u0323t")
case("enc_http_charset_quoted.xml", enc_rss("Ñandú", "utf-8").encode("cp1252"), content_type='application/xml; charset="windows-1252"',
     encoding="windows-1252", title="Ñandú")

# Undeclared or mislabelled legacy bytes: the encoding is guessed (chardetng) and reported.
import unicodedata
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_1258(s):
    """windows-1258 bytes of `s`: letters with circumflex, breve or horn precomposed, tone
    marks as the combining characters the code page has."""
    out = []
    for ch in s:
        d = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in d if c not in _TONES)
        out.append(unicodedata.normalize("NFC", base) + "".join(c for c in d if c in _TONES))
    return "".join(out).encode("cp1258")


PT_TITLE = "Brasília"
PT_BODY = "Notícias de Brasília: a votação da reforma começa amanhã, diz o relator; os líderes já discutem a sessão."
pt = ('<rss version="2.0"><channel><title>Notícias</title><item><title>' + PT_TITLE + '</title>'
      "<description>" + PT_BODY + "</description></item></channel></rss>\n").encode("cp1252")
case("enc_undeclared_latin1.xml", pt, encoding="windows-1252", title="Notícias", count=1,
     items=[{"title": PT_TITLE, "summary_html": PT_BODY}], warnings=["no encoding is declared", "guessed"])
VI_TITLE = "Đảng bộ huyện Lục Yên"
VI_BODY = ("Đảng bộ huyện Lục Yên lãnh đạo nhân dân phát triển kinh tế, nâng cao đời sống; "
           "những người nông dân trồng chè, lúa và quế trên các sườn đồi.")
vi = (b'<rss version="2.0"><channel><title>' + to_1258("Tin tức") + b"</title><item><title>" + to_1258(VI_TITLE)
      + b"</title><description>" + to_1258(VI_BODY) + b"</description></item></channel></rss>\n")
case("enc_undeclared_1258.xml", vi, encoding="windows-1258", title="Tin tức", count=1,
     items=[{"title": VI_TITLE, "summary_html": VI_BODY}], warnings=["no encoding is declared", "guessed"])
case("enc_declared_utf8_sent_1258.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n' + vi, encoding="windows-1258",
     title="Tin tức", count=1, items=[{"title": VI_TITLE}], warnings=["labelled UTF-8", "guessed"])
case("enc_http_utf8_sent_1258.xml", vi, content_type="application/rss+xml; charset=utf-8", encoding="windows-1258",
     title="Tin tức", count=1, items=[{"title": VI_TITLE}], warnings=["labelled UTF-8", "guessed"])
case("enc_undeclared_utf8_one_bad_byte.xml", enc_rss(VI, "UTF-8").encode().replace(b'<?xml version="1.0" encoding="UTF-8"?>', b"")
     .replace("Lục".encode(), b"L\xffc"), encoding="UTF-8", title=VI.replace("Lục", "L\ufffdc"), warnings=["invalid UTF-8 bytes"])

# ---------------------------------------------------------------- raw dates pass through
for i, d in enumerate(["Wed, 18 May 22 05:29:48 +0700", "18 May 2022 05:29:48 GMT", "Thu, 18 May 2022 05:29:48 +0700",
                       "Wed, 18 May 2022 05:29 ICT", "2022-05-18 05:29:48", "18/5/2022 | 5:29:48 AM", "không phải ngày"]):
    case(f"date_raw_{i}.xml", rss([item("A", L1, f"<pubDate>{d}</pubDate>")]), count=1, items=[{"published": d}], warnings=[])

# ---------------------------------------------------------------- more structure
case("rss2_items_outside_channel.xml", '<rss version="2.0"><channel><title>Ngoài</title></channel>'
     '<item><title>Lạc chỗ</title><link>https://example.vn/l</link></item></rss>', title="Ngoài", count=1, items=[{"title": "Lạc chỗ"}])
case("rss2_doctype_internal_subset.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY ban "Ban biên tập">]>\n'
     '<rss version="2.0"><channel><title>DTD &copy; 2022</title><item><title>Tin</title></item></channel></rss>',
     title="DTD © 2022", count=1)
case("rss2_stylesheet_pi.xml", '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n' + rss([item("Có XSL", L1)], decl=""),
     count=1, items=[{"title": "Có XSL"}])
case("rss2_empty_item.xml", rss(["<item/>\n", item("Sau", L1)]), count=2, items=[{"title": None, "link": None}, {"title": "Sau"}])
case("rss2_second_channel_title_ignored.xml", '<rss version="2.0"><channel><title>Một</title><title>Hai</title></channel></rss>', title="Một", count=0)
case("rss2_mismatched_end_tag.xml", '<rss version="2.0"><channel><item><title>Sai thẻ</titel><link>https://example.vn/m</link></item></channel></rss>',
     count=1, items=[{"title": "Sai thẻ", "link": "https://example.vn/m"}])
case("rss2_source_element_not_title.xml", rss([item("Gốc", L1, '<source url="https://khac.vn/rss">Báo khác</source>')]), count=1,
     items=[{"title": "Gốc", "link": L1}])
case("rss2_media_group_thumbnail_only.xml", rss([item("A", L1, '<media:group><media:thumbnail url="https://example.vn/g.jpg"/></media:group>')],
                                               ns=' xmlns:media="http://search.yahoo.com/mrss/"'),
     count=1, items=[{"image": "https://example.vn/g.jpg"}])
case("rss2_image_relative_resolved.xml", rss([item("A", L1, '<enclosure url="/anh/a.png" type="image/png"/>')]),
     base_url="https://baoyenbai.com.vn/rss.xml", count=1, items=[{"image": "https://baoyenbai.com.vn/anh/a.png"}])
case("atom_link_html_beats_pdf.xml", atom(['<entry><title>A</title><id>1</id><link rel="alternate" type="application/pdf" href="https://example.vn/a.pdf"/>'
                                          '<link rel="alternate" type="text/html" href="https://example.vn/a"/></entry>\n']),
     count=1, items=[{"link": "https://example.vn/a"}])
case("atom_category_scheme_term.xml", atom(['<entry><title>A</title><id>1</id><category scheme="https://example.vn/tags" term="Mù Cang Chải"/></entry>\n']),
     count=1, items=[{"tags": ["Mù Cang Chải"]}])
case("atom_content_text_escaped.xml", atom(['<entry><title>A</title><id>1</id><content type="text">x &lt;y&gt; &amp; z</content></entry>\n']),
     count=1, items=[{"content_html": "x &lt;y&gt; &amp; z"}])
case("atom_dcterms_modified.xml", atom(['<entry xmlns:dcterms="http://purl.org/dc/terms/"><title>A</title><id>1</id><dcterms:modified>2022-05-19</dcterms:modified></entry>\n']),
     count=1, items=[{"updated": "2022-05-19"}])
case("xml_decl_only.xml", '<?xml version="1.0" encoding="utf-8"?>', error="no XML element")
case("json_authors_url_only.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
    {"id": "u", "title": "URL", "authors": [{"url": "https://example.vn/tac-gia"}]}]}), count=1, items=[{"authors": ["https://example.vn/tac-gia"]}])
case("json_item_not_object.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [1, {"id": "ok", "title": "Được"}]}),
     count=1, items=[{"title": "Được"}], warnings=["item 1 is not an object"])
case("rss2_vi_nfd_title_kept_as_sent.xml", rss([item("Lu\u0323c Y\u00ean", L1)]), count=1, items=[{"title": "Lu\u0323c Y\u00ean"}])
case("rss2_lowercase_ispermalink_false.xml", rss([item("A", None, '<guid ispermalink="FALSE">https://example.vn/g</guid>')]), count=1,
     items=[{"link": None, "guid": "https://example.vn/g"}])
case("atom_feed_author_inherited.xml", atom(['<entry><title>A</title><id>1</id></entry>\n',
                                          '<entry><title>B</title><id>2</id><author><name>Riêng</name></author></entry>\n'],
                                         head="<author><name>Toà soạn</name><email>ts@example.vn</email></author>\n"),
     count=2, items=[{"authors": ["Toà soạn"]}, {"authors": ["Riêng"]}])
case("rss2_channel_author_not_inherited.xml", rss([item("A", L1)], channel="<author>kênh@example.vn</author>"), count=1, items=[{"authors": []}])
case("junk_php_warning_before.xml", "<br />\n<b>Warning</b>:  Undefined variable $x in <b>/var/www/rss.php</b> on line <b>12</b><br />\n"
     + rss([item("Sau cảnh báo", L1)], decl=""), format="rss", count=1, items=[{"title": "Sau cảnh báo"}],
     warnings=["skipped 97 bytes of non-feed text before the feed's root element at line 3, column 1"])
case("junk_text_before_decl.xml", "Notice: x < y\n" + rss([item("Có rác", L1)]), count=1, items=[{"title": "Có rác"}], warnings=["skipped"])

# ---------------------------------------------------------------- what real feeds use
DC = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
MEDIA = ' xmlns:media="http://search.yahoo.com/mrss/"'
ITUNES = ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
case("rss2_dc_description.xml", rss([item(T1, L1, "<dc:description>Tóm tắt &amp; chú thích</dc:description>")], ns=DC),
     count=1, items=[{"summary_html": "Tóm tắt &amp; chú thích"}])
case("rss2_description_beats_dc_description.xml", rss([item(T1, L1, "<dc:description>Phụ</dc:description><description>Chính</description>")], ns=DC),
     count=1, items=[{"summary_html": "Chính"}])
YT = ("<entry><id>yt:video:abc123</id><title>Lễ hội Mù Cang Chải</title>"
      '<link rel="alternate" href="https://www.youtube.com/watch?v=abc123"/>'
      "<media:group><media:title>Lễ hội (media)</media:title>"
      '<media:content url="https://www.youtube.com/v/abc123?version=3" type="application/x-shockwave-flash" width="640" height="390"/>'
      '<media:thumbnail url="https://i.ytimg.com/vi/abc123/hqdefault.jpg" width="480" height="360"/>'
      "<media:description>Mùa lúa chín &amp; lễ hội</media:description>"
      '<media:community><media:starRating count="5" average="5.00" min="1" max="5"/></media:community></media:group></entry>\n')
case("atom_youtube_media_group.xml", atom([YT], ns='xmlns="http://www.w3.org/2005/Atom"' + MEDIA),
     count=1, items=[{"title": "Lễ hội Mù Cang Chải", "summary_html": "Mùa lúa chín &amp; lễ hội",
                      "image": "https://i.ytimg.com/vi/abc123/hqdefault.jpg", "link": "https://www.youtube.com/watch?v=abc123"}])
case("rss2_media_title_description_keywords.xml",
     rss(["<item><media:title>Chỉ có media</media:title><media:description>Mô tả media</media:description>"
          "<media:keywords>chè, Suối Giàng ,, du lịch</media:keywords></item>\n"], ns=MEDIA),
     count=1, items=[{"title": "Chỉ có media", "summary_html": "Mô tả media", "tags": ["chè", "Suối Giàng", "du lịch"]}])
case("rss2_media_group_keywords.xml",
     rss([item(T1, L1, "<media:group><media:title>Khác</media:title><media:keywords>a, b</media:keywords></media:group>")], ns=MEDIA),
     count=1, items=[{"title": T1, "tags": ["a", "b"]}])
case("rss2_xhtml_body.xml",
     rss(['<item><body xmlns="http://www.w3.org/1999/xhtml"><p>Toàn văn <b>đậm</b></p></body></item>\n']),
     count=1, items=[{"content_html": "<p>Toàn văn <b>đậm</b></p>"}])
case("rss2_xhtml_body_prefixed.xml",
     rss(["<item><xhtml:body><xhtml:p>Có tiền tố</xhtml:p><xhtml:br/></xhtml:body></item>\n"], ns=' xmlns:xhtml="http://www.w3.org/1999/xhtml"'),
     count=1, items=[{"content_html": "<p>Có tiền tố</p><br>"}])
case("rss2_fullitem.xml", rss(["<item><fullitem>&lt;p&gt;Đầy đủ&lt;/p&gt;</fullitem></item>\n"]),
     count=1, items=[{"content_html": "<p>Đầy đủ</p>"}])
case("rss2_content_encoded_beats_body.xml",
     rss([item(T1, L1, '<body xmlns="http://www.w3.org/1999/xhtml"><p>Thân</p></body><content:encoded>&lt;p&gt;Mã hoá&lt;/p&gt;</content:encoded>')],
         ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"'),
     count=1, items=[{"content_html": "<p>Mã hoá</p>"}])
case("atom_id_xhtml_only.xml",
     atom(['<entry><id>urn:uuid:1</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Chỉ có nội dung</p></div></content></entry>\n']),
     count=1, items=[{"guid": "urn:uuid:1", "content_html": "<p>Chỉ có nội dung</p>"}])
case("atom_id_svg_only.xml",
     atom(['<entry xmlns:svg="http://www.w3.org/2000/svg"><id>urn:uuid:2</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
           '<svg:svg width="30px" height="20px"><svg:circle cx="15px" cy="10px" r="5px"/></svg:svg></div></content></entry>\n']),
     count=1, items=[{"guid": "urn:uuid:2", "content_html": '<svg width="30px" height="20px"><circle cx="15px" cy="10px" r="5px"></circle></svg>'}])
case("rss2_itunes_author_keywords_summary.xml",
     rss(["<item><title>Bản tin</title><itunes:author>Đài PT-TH Yên Bái</itunes:author>"
          "<itunes:keywords>tin tức, thời sự</itunes:keywords><itunes:summary>Tóm tắt</itunes:summary></item>\n"], ns=ITUNES),
     count=1, items=[{"authors": ["Đài PT-TH Yên Bái"], "tags": ["tin tức", "thời sự"], "summary_html": "Tóm tắt"}])
case("rss2_itunes_author_is_a_fallback.xml",
     rss([item(T1, L1, "<itunes:author>Đài</itunes:author><author>bbt@example.vn (Thanh Phúc)</author>")], ns=ITUNES),
     count=1, items=[{"authors": ["bbt@example.vn (Thanh Phúc)"]}])
case("rss2_dc_https_namespace.xml",
     rss([item(T1, L1, "<dc:creator>Minh Huyền</dc:creator><dc:date>2022-05-18T05:29:48+07:00</dc:date><dc:subject>Nông nghiệp</dc:subject>"
               "<dc:description>Mô tả DC</dc:description>")], ns=' xmlns:dc="https://purl.org/dc/elements/1.1/"'),
     count=1, items=[{"authors": ["Minh Huyền"], "published": "2022-05-18T05:29:48+07:00", "tags": ["Nông nghiệp"], "summary_html": "Mô tả DC"}])
case("rss2_namespace_variants.xml",
     rss([item(T1, L1, "<p:creator>Tác giả</p:creator><m:thumbnail url=\"https://cdn.example.vn/t.jpg\"/><c:encoded>&lt;p&gt;Nội dung&lt;/p&gt;</c:encoded>"
               "<i:author>Podcast</i:author>")],
         ns=' xmlns:p="HTTPS://PURL.ORG/DC/ELEMENTS/1.1" xmlns:m="https://search.yahoo.com/mrss" xmlns:c="https://purl.org/rss/1.0/modules/content/"'
            ' xmlns:i="https://www.itunes.com/dtds/podcast-1.0.dtd"'),
     count=1, items=[{"authors": ["Tác giả"], "image": "https://cdn.example.vn/t.jpg", "content_html": "<p>Nội dung</p>"}])
case("rss2_nested_categories.xml",
     rss([item(T1, L1, "<categories><category>Lục Yên</category><category>Chè</category></categories>"
               "<category>Ảnh<image><url>https://example.vn/a.jpg</url><title>Không phải tiêu đề</title></image></category>"
               "<dc:subject><rdf:Bag><rdf:li>Nông thôn</rdf:li><rdf:li>Giao thông</rdf:li></rdf:Bag></dc:subject>"
               "<tags><tag>Du lịch</tag></tags>")],
         ns=DC + ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'),
     count=1, items=[{"title": T1, "tags": ["Lục Yên", "Chè", "Ảnh", "Nông thôn", "Giao thông", "Du lịch"]}])
case("rss2_content_encoded_and_description.xml",
     rss([item(T1, L1, "<content:encoded><![CDATA[<p>Toàn văn</p>]]></content:encoded><description>Tóm tắt</description>")],
         ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"'),
     count=1, items=[{"summary_html": "Tóm tắt", "content_html": "<p>Toàn văn</p>"}])

case("cdf_item_href_lastmod_abstract.xml",
     '<CHANNEL><TITLE>Kênh CDF</TITLE><ITEM HREF="https://example.vn/cdf/1" LASTMOD="2004-04-06T23:05:43-05:00">'
     "<TITLE>Mục CDF</TITLE><ABSTRACT>Tóm tắt &amp; mô tả</ABSTRACT></ITEM><ITEM HREF=\"https://example.vn/cdf/2\"/></CHANNEL>",
     format="rss", title="Kênh CDF", count=2,
     items=[{"title": "Mục CDF", "link": "https://example.vn/cdf/1", "updated": "2004-04-06T23:05:43-05:00",
             "summary_html": "Tóm tắt &amp; mô tả"}, {"link": "https://example.vn/cdf/2"}])

if __name__ == "__main__":
    for old in os.listdir(HERE):
        if old != "gen.py":
            os.remove(os.path.join(HERE, old))
    for name, (data, expect) in CASES.items():
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(raw)
        with open(os.path.join(HERE, name + ".expect.json"), "w", encoding="utf-8") as f:
            json.dump(expect, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(len(CASES), "cases")
