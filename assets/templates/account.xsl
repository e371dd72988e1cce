<?xml version="1.0" encoding="UTF-8"?>
<!-- The signed-in applicant's applications. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('account.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('account.title')"/></h1>
<p><xsl:value-of select="user/@name"/></p>
<xsl:if test="user/@confirmed = 'f'">
<div class="banner" role="status">
<p><xsl:value-of select="i:t('account.unconfirmed')"/></p>
<xsl:choose>
<xsl:when test="@confirm = 'sent'">
<p class="notice"><xsl:value-of select="i:t('account.confirm.sent')"/></p>
</xsl:when>
<xsl:when test="@confirm = 'wait'">
<p class="notice"><xsl:value-of select="i:t('account.confirm.wait')"/></p>
</xsl:when>
</xsl:choose>
<form method="post" action="/account/confirm" class="action">
<xsl:call-template name="csrf"/>
<button type="submit"><xsl:value-of select="i:t('account.confirm.again')"/></button>
</form>
</div>
</xsl:if>
<xsl:choose>
<xsl:when test="cases/case">
<div class="table-wrap">
<table class="times">
<caption><xsl:value-of select="i:t('account.caption')"/></caption>
<thead>
<tr>
<th scope="col"><xsl:value-of select="i:t('status.ref')"/></th>
<th scope="col"><xsl:value-of select="i:t('times.kind')"/></th>
<th scope="col"><xsl:value-of select="i:t('account.state')"/></th>
<th scope="col"><xsl:value-of select="i:t('account.updated')"/></th>
</tr>
</thead>
<tbody>
<xsl:for-each select="cases/case">
<tr>
<th scope="row"><a href="/case/{@ref}"><xsl:value-of select="@ref"/></a></th>
<td><xsl:value-of select="i:t(concat('kind.', @kind))"/></td>
<td><xsl:value-of select="i:t(concat('state.', @state))"/></td>
<td>
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="@updated"/>
</xsl:call-template>
</td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</xsl:when>
<xsl:otherwise>
<p><xsl:value-of select="i:t('account.none')"/></p>
</xsl:otherwise>
</xsl:choose>
<p><a href="/apply"><xsl:value-of select="i:t('account.apply')"/></a></p>
<p><a href="/account/password"><xsl:value-of select="i:t('auth.password.title')"/></a></p>
</xsl:template>

</xsl:stylesheet>
