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

<!-- Rupiah amounts: 3.000.000 in Indonesian, 3,000,000 in English. -->
<xsl:decimal-format name="id" grouping-separator="." decimal-separator=","/>

<xsl:template name="rupiah">
<xsl:param name="amount"/>
<xsl:text>Rp</xsl:text>
<xsl:choose>
<xsl:when test="$lang = 'id'"><xsl:value-of select="format-number($amount, '#.##0', 'id')"/></xsl:when>
<xsl:otherwise><xsl:value-of select="format-number($amount, '#,##0')"/></xsl:otherwise>
</xsl:choose>
</xsl:template>

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
<nav aria-label="{i:t('site.account')}" class="account">
<xsl:choose>
<xsl:when test="page/user">
<a href="/account"><xsl:value-of select="i:t('site.my_cases')"/></a>
<a href="/apply"><xsl:value-of select="i:t('site.apply')"/></a>
<form method="post" action="/logout" class="inline">
<xsl:call-template name="csrf"/>
<button type="submit" class="link"><xsl:value-of select="i:t('site.logout')"/></button>
</form>
</xsl:when>
<xsl:otherwise>
<a href="/login"><xsl:value-of select="i:t('site.login')"/></a>
<a href="/register"><xsl:value-of select="i:t('site.register')"/></a>
</xsl:otherwise>
</xsl:choose>
</nav>
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
<p><a href="/processing-times"><xsl:value-of select="i:t('times.title')"/></a>
<xsl:text> · </xsl:text><a href="/verify"><xsl:value-of select="i:t('site.verify')"/></a></p>
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

<!--
  A labelled input with its hint and, if any, its error next to it; the
  messages are <prefix><name>, <prefix><name>.hint; errors are the
  context's <error field=".."> children.  Passwords are never echoed.
-->
<xsl:template name="field">
<xsl:param name="prefix"/>
<xsl:param name="name"/>
<xsl:param name="value" select="''"/>
<xsl:param name="type" select="'text'"/>
<xsl:param name="autocomplete" select="'off'"/>
<xsl:param name="hint" select="true()"/>
<xsl:variable name="err" select="error[@field = $name]"/>
<div class="field">
<label for="{$name}"><xsl:value-of select="i:t(concat($prefix, $name))"/></label>
<xsl:if test="$hint">
<p class="hint" id="{$name}-hint"><xsl:value-of select="i:t(concat($prefix, $name, '.hint'))"/></p>
</xsl:if>
<xsl:if test="$err">
<p class="error" id="{$name}-error"><xsl:value-of select="i:t($err/@key)"/></p>
</xsl:if>
<input type="{$type}" id="{$name}" name="{$name}"
    autocomplete="{$autocomplete}" spellcheck="false" maxlength="254">
<xsl:if test="$type != 'password'">
<xsl:attribute name="value"><xsl:value-of select="$value"/></xsl:attribute>
</xsl:if>
<xsl:if test="$hint or $err">
<xsl:attribute name="aria-describedby">
<xsl:if test="$hint"><xsl:value-of select="$name"/>-hint</xsl:if>
<xsl:if test="$hint and $err"><xsl:text> </xsl:text></xsl:if>
<xsl:if test="$err"><xsl:value-of select="$name"/>-error</xsl:if>
</xsl:attribute>
</xsl:if>
<xsl:if test="$err">
<xsl:attribute name="aria-invalid">true</xsl:attribute>
</xsl:if>
</input>
</div>
</xsl:template>

<!--
  A step of a case's history: the state it reached, or what happened when
  the state stayed (the applicant corrected details).
-->
<xsl:template name="step-name">
<xsl:choose>
<xsl:when test="@command = 'update_details'"><xsl:value-of select="i:t('step.update_details')"/></xsl:when>
<xsl:otherwise><xsl:value-of select="i:t(concat('state.', @state))"/></xsl:otherwise>
</xsl:choose>
</xsl:template>

<!-- The CSRF token every form carries. -->
<xsl:template name="csrf">
<input type="hidden" name="csrf" value="{/page/@csrf}"/>
<input type="hidden" name="lang" value="{$lang}"/>
</xsl:template>

<!--
  The central check, told as it is: working (with an estimate), held by
  a supervisor, or down since when, with the place in the queue.  In a
  very long queue (more = true) the place and the estimates are "at
  least": the server stops counting (clr_case_eta()).
-->
<xsl:template name="link">
<xsl:param name="state"/>
<xsl:param name="since"/>
<xsl:param name="paused"/>
<xsl:param name="ahead"/>
<xsl:param name="more"/>
<xsl:param name="eta"/>
<xsl:param name="after"/>
<xsl:variable name="m">
<xsl:if test="$more = 't' or $more = 'true'">.more</xsl:if>
</xsl:variable>
<xsl:variable name="queue">
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t(concat('link.ahead', $m))"/>
<xsl:with-param name="key" select="'{n}'"/>
<xsl:with-param name="value" select="$ahead"/>
</xsl:call-template>
</xsl:variable>
<xsl:choose>
<xsl:when test="$paused = 't' or $paused = 'true'">
<div class="banner" role="status">
<p><xsl:value-of select="i:t('link.paused')"/></p>
<p><xsl:value-of select="$queue"/></p>
</div>
</xsl:when>
<xsl:when test="$state != 'closed'">
<div class="banner" role="status">
<p><strong>
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t('link.down')"/>
<xsl:with-param name="key" select="'{since}'"/>
<xsl:with-param name="value">
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="$since"/>
</xsl:call-template>
</xsl:with-param>
</xsl:call-template>
</strong></p>
<p><xsl:value-of select="i:t('link.safe')"/></p>
<p><xsl:value-of select="$queue"/></p>
<xsl:if test="string($after) != ''">
<p>
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t(concat('link.after', $m))"/>
<xsl:with-param name="key" select="'{eta}'"/>
<xsl:with-param name="value">
<xsl:call-template name="duration">
<xsl:with-param name="s" select="$after"/>
</xsl:call-template>
</xsl:with-param>
</xsl:call-template>
</p>
</xsl:if>
</div>
</xsl:when>
<xsl:when test="string($eta) != ''">
<p class="eta">
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t(concat('link.eta', $m))"/>
<xsl:with-param name="key" select="'{eta}'"/>
<xsl:with-param name="value">
<xsl:call-template name="duration">
<xsl:with-param name="s" select="$eta"/>
</xsl:call-template>
</xsl:with-param>
</xsl:call-template>
</p>
</xsl:when>
<xsl:otherwise>
<p class="eta"><xsl:value-of select="i:t('link.waiting_answer')"/></p>
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
