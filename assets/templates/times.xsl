<?xml version="1.0" encoding="UTF-8"?>
<!-- Published processing times, from submission to issue. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('times.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('times.title')"/></h1>
<p><xsl:value-of select="i:t('times.intro')"/></p>
<xsl:choose>
<xsl:when test="times/row">
<div class="table-wrap">
<table class="times">
<caption><xsl:value-of select="i:t('times.caption')"/></caption>
<thead>
<tr>
<th scope="col"><xsl:value-of select="i:t('times.kind')"/></th>
<th scope="col"><xsl:value-of select="i:t('times.level')"/></th>
<th scope="col"><xsl:value-of select="i:t('times.median')"/></th>
<th scope="col"><xsl:value-of select="i:t('times.p90')"/></th>
<th scope="col"><xsl:value-of select="i:t('times.cases')"/></th>
</tr>
</thead>
<tbody>
<xsl:for-each select="times/row">
<tr>
<th scope="row"><xsl:value-of select="i:t(concat('kind.', @kind))"/></th>
<td><xsl:value-of select="i:t(concat('level.', @level))"/></td>
<td><xsl:value-of select="@median"/></td>
<td><xsl:value-of select="@p90"/></td>
<td><xsl:value-of select="@cases"/></td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</xsl:when>
<xsl:otherwise>
<p><xsl:value-of select="i:t('times.none')"/></p>
</xsl:otherwise>
</xsl:choose>
</xsl:template>

</xsl:stylesheet>
