<?xml version="1.0" encoding="UTF-8"?>
<!--
  The frame of every page: language, title, header with the language
  switch, main content, footer.  A page stylesheet imports this and gives
  templates for <page> in modes "title" and "content".  Every visible
  string comes from the catalogues through i:t().
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:output method="html" encoding="UTF-8" indent="no"
    doctype-system="about:legacy-compat"/>

<xsl:param name="lang" select="'id'"/>

<xsl:template match="/">
<html lang="{$lang}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:apply-templates select="page" mode="title"/> · <xsl:value-of select="i:t('site.name')"/></title>
<link rel="stylesheet" href="/static/style.css"/>
</head>
<body>
<a class="skip" href="#main"><xsl:value-of select="i:t('site.skip')"/></a>
<header class="site">
<a class="brand" href="/"><xsl:value-of select="i:t('site.name')"/></a>
<nav aria-label="{i:t('site.language')}" class="langs">
<xsl:call-template name="lang-link">
<xsl:with-param name="code" select="'id'"/>
<xsl:with-param name="label" select="'Bahasa Indonesia'"/>
</xsl:call-template>
<xsl:call-template name="lang-link">
<xsl:with-param name="code" select="'en'"/>
<xsl:with-param name="label" select="'English'"/>
</xsl:call-template>
</nav>
</header>
<main id="main">
<xsl:apply-templates select="page" mode="content"/>
</main>
<footer class="site">
<p><xsl:value-of select="i:t('site.footer')"/></p>
<p><a href="/processing-times"><xsl:value-of select="i:t('times.title')"/></a></p>
</footer>
</body>
</html>
</xsl:template>

<xsl:template name="lang-link">
<xsl:param name="code"/>
<xsl:param name="label"/>
<xsl:choose>
<xsl:when test="$code = $lang">
<span lang="{$code}" aria-current="true"><xsl:value-of select="$label"/></span>
</xsl:when>
<xsl:otherwise>
<a lang="{$code}" hreflang="{$code}" href="/?lang={$code}"><xsl:value-of select="$label"/></a>
</xsl:otherwise>
</xsl:choose>
</xsl:template>

<!-- "2026-11-25T14:03" as "25 November 2026, 14:03". -->
<xsl:template name="datetime">
<xsl:param name="at"/>
<xsl:value-of select="number(substring($at, 9, 2))"/>
<xsl:text> </xsl:text>
<xsl:value-of select="i:t(concat('month.', number(substring($at, 6, 2))))"/>
<xsl:text> </xsl:text>
<xsl:value-of select="substring($at, 1, 4)"/>
<xsl:text>, </xsl:text>
<xsl:value-of select="substring($at, 12, 5)"/>
</xsl:template>

<!--
  Seconds as words, never "1 hours": about a minute, about N minutes
  (2 to 90), about N hours (2 to 48), about N days.
-->
<xsl:template name="duration">
<xsl:param name="s"/>
<xsl:variable name="key">
<xsl:choose>
<xsl:when test="$s &lt; 90">eta.minute</xsl:when>
<xsl:when test="$s &lt; 5400">eta.minutes</xsl:when>
<xsl:when test="$s &lt; 172800">eta.hours</xsl:when>
<xsl:otherwise>eta.days</xsl:otherwise>
</xsl:choose>
</xsl:variable>
<xsl:variable name="unit">
<xsl:choose>
<xsl:when test="$s &lt; 5400">60</xsl:when>
<xsl:when test="$s &lt; 172800">3600</xsl:when>
<xsl:otherwise>86400</xsl:otherwise>
</xsl:choose>
</xsl:variable>
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t($key)"/>
<xsl:with-param name="key" select="'{n}'"/>
<xsl:with-param name="value" select="round($s div $unit)"/>
</xsl:call-template>
</xsl:template>

<!-- A catalogue message with its {placeholder} replaced (once). -->
<xsl:template name="fill">
<xsl:param name="text"/>
<xsl:param name="key"/>
<xsl:param name="value"/>
<xsl:choose>
<xsl:when test="contains($text, $key)">
<xsl:value-of select="substring-before($text, $key)"/>
<xsl:value-of select="$value"/>
<xsl:value-of select="substring-after($text, $key)"/>
</xsl:when>
<xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
</xsl:choose>
</xsl:template>

</xsl:stylesheet>
