<?xml version="1.0" encoding="UTF-8"?>
<!--
  The back office's work queues: each step's cases of the staff member's
  office, express first then by due time, with what the SLA says.  An
  admin reads every office's (each case then names its office) or
  chooses one, and is told that the pages are read-only.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('office.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('office.title')"/></h1>
<xsl:choose>
<xsl:when test="queues/@office">
<p><xsl:value-of select="queues/@office-name"/> (<xsl:value-of select="queues/@office"/>)</p>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.all')"/></p></xsl:otherwise>
</xsl:choose>
<xsl:choose>
<xsl:when test="queues/@role = 'admin'">
<p><xsl:value-of select="i:t('office.read_only')"/></p>
<form method="get" action="/office">
<input type="hidden" name="lang" value="{$lang}"/>
<div class="field">
<label for="office"><xsl:value-of select="i:t('office.office')"/></label>
<select id="office" name="office">
<option value=""><xsl:value-of select="i:t('office.all')"/></option>
<xsl:for-each select="queues/office">
<option value="{@code}">
<xsl:if test="@code = /page/queues/@office"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="@name"/> (<xsl:value-of select="@code"/>)</option>
</xsl:for-each>
</select>
</div>
<button type="submit"><xsl:value-of select="i:t('office.show')"/></button>
</form>
<p><a href="/office/search"><xsl:value-of select="i:t('search.open')"/></a></p>
</xsl:when>
<xsl:otherwise>
<p><a href="/office/link"><xsl:value-of select="i:t('office.link.open')"/></a></p>
<p><a href="/office/search"><xsl:value-of select="i:t('search.open')"/></a></p>
</xsl:otherwise>
</xsl:choose>
<xsl:if test="queues/@role = 'supervisor'">
<p><a href="/office/evidence"><xsl:value-of select="i:t('evidence.open')"/></a></p>
</xsl:if>
<nav aria-label="{i:t('office.queues')}">
<ul class="queues">
<xsl:for-each select="queues/queue">
<li><a href="#q-{@name}"><xsl:value-of select="i:t(concat('office.queue.', @name))"/></a>
<xsl:text> (</xsl:text><xsl:value-of select="@count"/>)</li>
</xsl:for-each>
</ul>
</nav>
<xsl:apply-templates select="queues/queue"/>
</xsl:template>

<xsl:template match="queue">
<section aria-labelledby="q-{@name}">
<h2 id="q-{@name}"><xsl:value-of select="i:t(concat('office.queue.', @name))"/>
<xsl:text> (</xsl:text><xsl:value-of select="@count"/>)</h2>
<xsl:choose>
<xsl:when test="case">
<div class="table-wrap">
<table>
<thead>
<tr>
<th scope="col"><xsl:value-of select="i:t('office.ref')"/></th>
<xsl:if test="not(../@office)">
<th scope="col"><xsl:value-of select="i:t('office.office')"/></th>
</xsl:if>
<th scope="col"><xsl:value-of select="i:t('office.name')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.kind')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.level')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.due')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.flags')"/></th>
</tr>
</thead>
<tbody>
<xsl:for-each select="case">
<tr>
<th scope="row"><a href="/office/case/{@ref}"><xsl:value-of select="@ref"/></a></th>
<xsl:if test="not(../../@office)">
<td><xsl:value-of select="@office"/></td>
</xsl:if>
<td><xsl:value-of select="@name"/></td>
<td><xsl:value-of select="@kind"/></td>
<td><xsl:value-of select="i:t(concat('level.', @level))"/></td>
<td><xsl:value-of select="translate(@due, 'T', ' ')"/>
<xsl:if test="@overdue = 'true'"><xsl:text> </xsl:text><strong class="overdue"><xsl:value-of select="i:t('office.overdue')"/></strong></xsl:if></td>
<td>
<xsl:if test="@outage-paused"><xsl:value-of select="i:t('office.outage_paused')"/><xsl:text> </xsl:text><xsl:value-of select="@outage-paused"/><xsl:text> </xsl:text></xsl:if>
<xsl:if test="@compensation = 'true'"><strong><xsl:value-of select="i:t('office.compensation')"/></strong></xsl:if>
</td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.empty')"/></p></xsl:otherwise>
</xsl:choose>
</section>
</xsl:template>

</xsl:stylesheet>
