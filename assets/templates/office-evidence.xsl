<?xml version="1.0" encoding="UTF-8"?>
<!--
  The exchange's evidence for a supervisor: the form (a partner serving
  the office, a message id, as typed), then the log entry of that
  message (when we received it, type, digest, key, signature, outcome,
  the body as received and our answer), or that there is none.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('evidence.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<xsl:variable name="e" select="evidence-page"/>
<p><a href="/office"><xsl:value-of select="i:t('office.back')"/></a></p>
<h1><xsl:value-of select="i:t('evidence.title')"/></h1>
<p><xsl:value-of select="i:t('evidence.intro')"/></p>
<form method="get" action="/office/evidence">
<input type="hidden" name="lang" value="{$lang}"/>
<div class="field">
<label for="partner"><xsl:value-of select="i:t('evidence.partner')"/></label>
<select id="partner" name="partner">
<xsl:for-each select="$e/partner">
<option value="{@name}">
<xsl:if test="@name = $e/@partner"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="@name"/>
</option>
</xsl:for-each>
</select>
</div>
<div class="field">
<label for="id"><xsl:value-of select="i:t('evidence.id')"/></label>
<xsl:if test="notice">
<p class="error" id="id-error"><xsl:value-of select="i:t(notice/@key)"/></p>
</xsl:if>
<input type="text" id="id" name="id" value="{$e/@id}" maxlength="128" autocomplete="off">
<xsl:if test="notice">
<xsl:attribute name="aria-describedby">id-error</xsl:attribute>
<xsl:attribute name="aria-invalid">true</xsl:attribute>
</xsl:if>
</input>
</div>
<button type="submit"><xsl:value-of select="i:t('evidence.show')"/></button>
</form>

<xsl:if test="$e/not-found">
<p class="alert" role="alert"><xsl:value-of select="i:t('evidence.not_found')"/></p>
</xsl:if>
<xsl:for-each select="$e/message">
<section aria-labelledby="h-message">
<h2 id="h-message"><xsl:value-of select="$e/@id"/></h2>
<dl class="evidence">
<dt><xsl:value-of select="i:t('evidence.received')"/></dt><dd><xsl:value-of select="@received"/></dd>
<dt><xsl:value-of select="i:t('evidence.type')"/></dt><dd><xsl:value-of select="@type"/></dd>
<dt><xsl:value-of select="i:t('evidence.outcome')"/></dt><dd><xsl:value-of select="@outcome"/>
<xsl:if test="@error"><xsl:text> (</xsl:text><xsl:value-of select="@error"/>)</xsl:if></dd>
<dt><xsl:value-of select="i:t('evidence.keyid')"/></dt><dd><xsl:value-of select="@keyid"/></dd>
<dt><xsl:value-of select="i:t('evidence.digest')"/></dt><dd class="mono"><xsl:value-of select="@digest"/></dd>
<dt><xsl:value-of select="i:t('evidence.signature')"/></dt><dd class="mono"><xsl:value-of select="signature"/></dd>
</dl>
<h3><xsl:value-of select="i:t('evidence.body')"/></h3>
<pre class="evidence-body"><xsl:value-of select="body"/></pre>
<h3><xsl:value-of select="i:t('evidence.response')"/></h3>
<pre class="evidence-response"><xsl:value-of select="response"/></pre>
</section>
</xsl:for-each>
</xsl:template>

</xsl:stylesheet>
