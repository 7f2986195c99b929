<?xml version="1.0" encoding="utf-8"?>
<!-- Written by feedmill. Browsers show an RSS or Atom feed that names this stylesheet as a
     page; feed readers ignore it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat" indent="no"/>
<xsl:template match="/">
<xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
<xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
<html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<link rel="icon" href="data:,"/>
<title><xsl:value-of select="$title"/></title>
<style>
{% include "style.css" %}
</style>
</head>
<body>
<header class="site">
<p><a href="{/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href}">{{ l.all_feeds }}</a></p>
<h1><xsl:value-of select="$title"/></h1>
<p class="note">{{ l.xsl_note }}</p>
<p class="subscribe"><span class="muted">{{ l.address }}:</span> <code><xsl:value-of select="$self"/></code></p>
</header>
<main>
<h2>{{ l.latest }}</h2>
<ul class="items">
<xsl:for-each select="/rss/channel/item | /atom:feed/atom:entry">
<li><div class="text">
<h3><a href="{link | atom:link[@rel='alternate']/@href}"><xsl:value-of select="title | atom:title"/></a></h3>
<div class="meta">
<xsl:choose>
<xsl:when test="pubDate"><xsl:value-of select="pubDate"/></xsl:when>
<xsl:otherwise><xsl:value-of select="translate(substring(atom:published | atom:updated, 1, 16), 'T', ' ')"/></xsl:otherwise>
</xsl:choose>
</div>
</div></li>
</xsl:for-each>
</ul>
</main>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
