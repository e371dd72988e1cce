<?xml version="1.0" encoding="UTF-8"?>
<!--
  Finding the office's cases: the form (what was typed, each mistake next
  to its field), then one page of matching cases, longest in their step
  first, with links to the previous and the next page.  An admin
  searches every office or chooses one; each case found then names its
  office.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<!-- The enums case_state and permit_kind, in the form's order. -->
<xsl:variable name="states"
    select="'draft submitted more_info paid biometrics_done awaiting_clearance cleared referred issued rejected withdrawn cancelled'"/>
<xsl:variable name="kinds" select="'E23 E31A E31C E31E E33 E33G RETIREMENT'"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('search.title')"/>
</xsl:template>

<!-- The options of a select: "any", then each word of values. -->
<xsl:template name="options">
<xsl:param name="values"/>
<xsl:param name="current"/>
<xsl:param name="prefix"/>
<xsl:if test="string-length($values) &gt; 0">
<xsl:variable name="v" select="substring-before(concat($values, ' '), ' ')"/>
<option value="{$v}">
<xsl:if test="$v = $current"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="i:t(concat($prefix, $v))"/>
</option>
<xsl:call-template name="options">
<xsl:with-param name="values" select="substring-after($values, ' ')"/>
<xsl:with-param name="current" select="$current"/>
<xsl:with-param name="prefix" select="$prefix"/>
</xsl:call-template>
</xsl:if>
</xsl:template>

<!-- A labelled select with "any" first and its error next to it. -->
<xsl:template name="select">
<xsl:param name="name"/>
<xsl:param name="values"/>
<xsl:param name="current"/>
<xsl:param name="prefix"/>
<xsl:variable name="err" select="error[@field = $name]"/>
<div class="field">
<label for="{$name}"><xsl:value-of select="i:t(concat('search.', $name))"/></label>
<xsl:if test="$err">
<p class="error" id="{$name}-error"><xsl:value-of select="i:t($err/@key)"/></p>
</xsl:if>
<select id="{$name}" name="{$name}">
<xsl:if test="$err">
<xsl:attribute name="aria-describedby"><xsl:value-of select="$name"/>-error</xsl:attribute>
<xsl:attribute name="aria-invalid">true</xsl:attribute>
</xsl:if>
<option value=""><xsl:value-of select="i:t('search.any')"/></option>
<xsl:call-template name="options">
<xsl:with-param name="values" select="$values"/>
<xsl:with-param name="current" select="$current"/>
<xsl:with-param name="prefix" select="$prefix"/>
</xsl:call-template>
</select>
</div>
</xsl:template>

<!--
  An admin's office filter: the offices the database listed, or, on a
  page answered before it was asked (a mistake in the form), the code as
  typed, with its error.
-->
<xsl:template name="office-filter">
<xsl:choose>
<xsl:when test="office">
<div class="field">
<label for="office"><xsl:value-of select="i:t('search.office')"/></label>
<select id="office" name="office">
<option value=""><xsl:value-of select="i:t('office.all')"/></option>
<xsl:for-each select="office">
<option value="{@code}">
<xsl:if test="@code = ../@f-office"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="@name"/> (<xsl:value-of select="@code"/>)</option>
</xsl:for-each>
</select>
</div>
</xsl:when>
<xsl:when test="error[@field = 'office'] or @f-office != ''">
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'search.'"/>
<xsl:with-param name="name" select="'office'"/>
<xsl:with-param name="value" select="@f-office"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
</xsl:when>
</xsl:choose>
</xsl:template>

<xsl:template match="page" mode="content">
<p><a href="/office"><xsl:value-of select="i:t('office.back')"/></a></p>
<h1><xsl:value-of select="i:t('search.title')"/></h1>
<xsl:choose>
<xsl:when test="search/@office-name">
<p><xsl:value-of select="search/@office-name"/> (<xsl:value-of select="search/@office"/>)</p>
</xsl:when>
<xsl:when test="search/@role = 'admin'">
<p><xsl:value-of select="i:t('office.all')"/></p>
</xsl:when>
</xsl:choose>
<xsl:if test="notice or search/error">
<div class="alert" role="alert">
<xsl:if test="search/error"><p><xsl:value-of select="i:t('search.errors')"/></p></xsl:if>
<xsl:if test="notice"><p><xsl:value-of select="i:t(notice/@key)"/></p></xsl:if>
</div>
</xsl:if>
<xsl:apply-templates select="search"/>
</xsl:template>

<xsl:template match="search">
<p><xsl:value-of select="i:t('search.intro')"/></p>
<form method="get" action="/office/search" novalidate="novalidate" role="search">
<input type="hidden" name="lang" value="{$lang}"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'search.'"/>
<xsl:with-param name="name" select="'ref'"/>
<xsl:with-param name="value" select="@f-ref"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'search.'"/>
<xsl:with-param name="name" select="'passport'"/>
<xsl:with-param name="value" select="@f-passport"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'search.'"/>
<xsl:with-param name="name" select="'name'"/>
<xsl:with-param name="value" select="@f-name"/>
</xsl:call-template>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'state'"/>
<xsl:with-param name="values" select="$states"/>
<xsl:with-param name="current" select="@f-state"/>
<xsl:with-param name="prefix" select="'state.'"/>
</xsl:call-template>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'kind'"/>
<xsl:with-param name="values" select="$kinds"/>
<xsl:with-param name="current" select="@f-kind"/>
<xsl:with-param name="prefix" select="'kind.'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'search.'"/>
<xsl:with-param name="name" select="'days'"/>
<xsl:with-param name="value" select="@f-days"/>
</xsl:call-template>
<xsl:call-template name="office-filter"/>
<button type="submit"><xsl:value-of select="i:t('search.submit')"/></button>
</form>
<xsl:if test="@total">
<xsl:call-template name="results"/>
</xsl:if>
</xsl:template>

<xsl:template name="results">
<section aria-labelledby="h-results">
<h2 id="h-results"><xsl:value-of select="i:t('search.results')"/></h2>
<p><xsl:value-of select="i:t('search.total')"/>: <xsl:value-of select="@total"/>
<xsl:if test="@total &gt; @per-page">
<xsl:text> · </xsl:text><xsl:value-of select="i:t('search.page')"/><xsl:text> </xsl:text><xsl:value-of select="@page"/>
</xsl:if></p>
<xsl:choose>
<xsl:when test="case">
<div class="table-wrap">
<table>
<thead>
<tr>
<th scope="col"><xsl:value-of select="i:t('office.ref')"/></th>
<xsl:if test="not(@office)">
<th scope="col"><xsl:value-of select="i:t('office.office')"/></th>
</xsl:if>
<th scope="col"><xsl:value-of select="i:t('office.name')"/></th>
<th scope="col"><xsl:value-of select="i:t('search.passport')"/></th>
<th scope="col"><xsl:value-of select="i:t('search.state')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.kind')"/></th>
<th scope="col"><xsl:value-of select="i:t('search.since')"/></th>
<th scope="col"><xsl:value-of select="i:t('search.days_col')"/></th>
</tr>
</thead>
<tbody>
<xsl:for-each select="case">
<tr>
<th scope="row"><a href="/office/case/{@ref}"><xsl:value-of select="@ref"/></a></th>
<xsl:if test="not(../@office)">
<td><xsl:value-of select="@office"/></td>
</xsl:if>
<td><xsl:value-of select="@name"/></td>
<td><xsl:value-of select="@nationality"/><xsl:text> </xsl:text><xsl:value-of select="@passport"/></td>
<td><xsl:value-of select="i:t(concat('state.', @state))"/></td>
<td><xsl:value-of select="@kind"/></td>
<td><xsl:value-of select="translate(@since, 'T', ' ')"/></td>
<td><xsl:value-of select="@days"/></td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</xsl:when>
<xsl:when test="@role = 'admin'"><p><xsl:value-of select="i:t('search.none.admin')"/></p></xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('search.none')"/></p></xsl:otherwise>
</xsl:choose>
<xsl:if test="@page &gt; 1 or @more = 'true'">
<nav aria-label="{i:t('search.paging')}">
<ul class="paging">
<xsl:if test="@page &gt; 1">
<li><a rel="prev" href="/office/search?{@query}page={@page - 1}"><xsl:value-of select="i:t('search.previous')"/></a></li>
</xsl:if>
<xsl:if test="@more = 'true'">
<li><a rel="next" href="/office/search?{@query}page={@page + 1}"><xsl:value-of select="i:t('search.next')"/></a></li>
</xsl:if>
</ul>
</nav>
</xsl:if>
</section>
</xsl:template>

</xsl:stylesheet>
