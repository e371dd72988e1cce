<?xml version="1.0" encoding="UTF-8"?>
<!--
  The central-link panel: the breaker and the backlog now, a day's and a
  week's chart (inline SVG drawn here from the buckets in the model, with
  the same figures in a table), open incidents, the hand pause, and the
  express cases owed compensation.  Buttons only for a supervisor; the
  database refuses anyone else anyway.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<!-- The chart's drawing area inside its 640 x 250 viewBox. -->
<xsl:variable name="cx0" select="48"/>
<xsl:variable name="cx1" select="584"/>
<xsl:variable name="cy0" select="16"/>
<xsl:variable name="cy1" select="190"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('office.link.title')"/>
</xsl:template>

<!-- A supervisor's action as a form; reason: a required text field. -->
<xsl:template name="link-action">
<xsl:param name="name"/>
<xsl:param name="incident" select="''"/>
<xsl:param name="reason" select="false()"/>
<form method="post" action="/office/link" class="action">
<xsl:call-template name="csrf"/>
<input type="hidden" name="action" value="{$name}"/>
<xsl:if test="$incident != ''">
<input type="hidden" name="incident" value="{$incident}"/>
</xsl:if>
<xsl:if test="$reason">
<div class="field">
<label for="reason-{$name}"><xsl:value-of select="i:t(concat('office.link.reason.', $name))"/></label>
<input type="text" id="reason-{$name}" name="reason" maxlength="500" autocomplete="off" required="required"/>
</div>
</xsl:if>
<button type="submit"><xsl:value-of select="i:t(concat('office.link.do.', $name))"/></button>
</form>
</xsl:template>

<xsl:template match="page" mode="content">
<xsl:variable name="l" select="link"/>
<xsl:variable name="sup" select="$l/@role = 'supervisor'"/>
<p><a href="/office"><xsl:value-of select="i:t('office.back')"/></a></p>
<h1><xsl:value-of select="i:t('office.link.title')"/></h1>
<p><xsl:value-of select="$l/@office-name"/> (<xsl:value-of select="$l/@office"/>)</p>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>

<section aria-labelledby="h-now">
<h2 id="h-now"><xsl:value-of select="i:t('office.link.status')"/></h2>
<xsl:if test="$l/@alarm = 'true'">
<div class="banner" role="status"><p><xsl:value-of select="i:t('office.link.alarm')"/></p></div>
</xsl:if>
<dl class="link-status">
<dt><xsl:value-of select="i:t('office.link.breaker')"/></dt>
<dd class="link-state link-{$l/@state}"><strong><xsl:value-of select="i:t(concat('office.link.state.', $l/@state))"/></strong>
<xsl:text> (</xsl:text><xsl:value-of select="i:t('office.link.since')"/><xsl:text> </xsl:text>
<xsl:call-template name="datetime"><xsl:with-param name="at" select="$l/@since"/></xsl:call-template>)</dd>
<xsl:if test="$l/@outage-since">
<dt><xsl:value-of select="i:t('office.link.outage_since')"/></dt>
<dd><xsl:call-template name="datetime"><xsl:with-param name="at" select="$l/@outage-since"/></xsl:call-template></dd>
</xsl:if>
<dt><xsl:value-of select="i:t('office.link.backlog')"/></dt>
<dd class="link-backlog"><xsl:value-of select="$l/@backlog"/></dd>
<dt><xsl:value-of select="i:t('office.link.oldest')"/></dt>
<dd><xsl:choose>
<xsl:when test="$l/@backlog &gt; 0"><xsl:call-template name="duration"><xsl:with-param name="s" select="$l/@oldest-seconds"/></xsl:call-template></xsl:when>
<xsl:otherwise><xsl:value-of select="i:t('office.link.none')"/></xsl:otherwise>
</xsl:choose></dd>
<dt><xsl:value-of select="i:t('office.link.oldest_case')"/></dt>
<dd><xsl:choose>
<xsl:when test="$l/oldest"><a href="/office/case/{$l/oldest/@ref}"><xsl:value-of select="$l/oldest/@ref"/></a>
<xsl:text> (</xsl:text><xsl:value-of select="i:t(concat('level.', $l/oldest/@level))"/><xsl:text>, </xsl:text>
<xsl:call-template name="datetime"><xsl:with-param name="at" select="$l/oldest/@since"/></xsl:call-template>)</xsl:when>
<xsl:otherwise><xsl:value-of select="i:t('office.link.none')"/></xsl:otherwise>
</xsl:choose></dd>
<dt><xsl:value-of select="i:t('office.link.allowed')"/></dt>
<dd><xsl:call-template name="fill"><xsl:with-param name="text" select="i:t('office.link.rate')"/>
<xsl:with-param name="key" select="'{n}'"/><xsl:with-param name="value" select="$l/@allowed-rate"/></xsl:call-template></dd>
<dt><xsl:value-of select="i:t('office.link.observed')"/></dt>
<dd><xsl:call-template name="fill"><xsl:with-param name="text" select="i:t('office.link.rate')"/>
<xsl:with-param name="key" select="'{n}'"/><xsl:with-param name="value" select="$l/@observed-rate"/></xsl:call-template></dd>
<dt><xsl:value-of select="i:t('office.link.eta')"/></dt>
<dd class="link-eta"><xsl:choose>
<xsl:when test="not($l/@eta-seconds)"><xsl:value-of select="i:t('office.link.eta_none')"/></xsl:when>
<xsl:when test="$l/@eta-seconds = 0"><xsl:value-of select="i:t('office.link.eta_done')"/></xsl:when>
<xsl:otherwise><xsl:call-template name="duration"><xsl:with-param name="s" select="$l/@eta-seconds"/></xsl:call-template></xsl:otherwise>
</xsl:choose></dd>
<xsl:if test="$l/@last-error">
<dt><xsl:value-of select="i:t('office.link.last_error')"/></dt>
<dd><xsl:value-of select="$l/@last-error"/></dd>
</xsl:if>
</dl>
</section>

<section aria-labelledby="h-dispatch">
<h2 id="h-dispatch"><xsl:value-of select="i:t('office.link.dispatch')"/></h2>
<xsl:choose>
<xsl:when test="$l/@paused = 'true'">
<div class="banner link-paused" role="status">
<p><strong><xsl:value-of select="i:t('office.link.paused')"/></strong></p>
<dl>
<dt><xsl:value-of select="i:t('office.link.paused_by')"/></dt><dd><xsl:value-of select="$l/@paused-by"/></dd>
<dt><xsl:value-of select="i:t('office.link.paused_at')"/></dt><dd><xsl:call-template name="datetime"><xsl:with-param name="at" select="$l/@paused-at"/></xsl:call-template></dd>
<xsl:if test="$l/@paused-reason">
<dt><xsl:value-of select="i:t('office.link.paused_reason')"/></dt><dd class="link-reason"><xsl:value-of select="$l/@paused-reason"/></dd>
</xsl:if>
</dl>
</div>
<xsl:if test="$sup">
<xsl:call-template name="link-action"><xsl:with-param name="name" select="'resume'"/></xsl:call-template>
</xsl:if>
</xsl:when>
<xsl:otherwise>
<p><xsl:value-of select="i:t('office.link.running')"/></p>
<xsl:if test="$sup">
<xsl:call-template name="link-action"><xsl:with-param name="name" select="'pause'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:if>
</xsl:otherwise>
</xsl:choose>
<xsl:if test="not($sup)">
<p class="hint"><xsl:value-of select="i:t('office.link.supervisors_act')"/></p>
</xsl:if>
</section>

<section aria-labelledby="h-incidents">
<h2 id="h-incidents"><xsl:value-of select="i:t('office.link.incidents')"/></h2>
<xsl:choose>
<xsl:when test="$l/incident">
<div class="table-wrap">
<table class="times">
<thead><tr>
<th scope="col"><xsl:value-of select="i:t('office.link.incident.kind')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.incident.case')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.incident.detail')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.incident.opened')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.incident.acknowledged')"/></th>
<xsl:if test="$sup"><th scope="col"><xsl:value-of select="i:t('office.link.incident.actions')"/></th></xsl:if>
</tr></thead>
<tbody>
<xsl:for-each select="$l/incident">
<tr id="incident-{@id}">
<th scope="row"><xsl:value-of select="i:t(concat('office.link.incident.kind.', @kind))"/></th>
<td><xsl:choose>
<xsl:when test="@ref"><a href="/office/case/{@ref}"><xsl:value-of select="@ref"/></a></xsl:when>
<xsl:when test="@global = 'true'"><xsl:value-of select="i:t('office.link.incident.global')"/></xsl:when>
<xsl:otherwise>–</xsl:otherwise>
</xsl:choose></td>
<td><xsl:apply-templates select="." mode="about"/>
<xsl:if test="@detail"><xsl:text>: </xsl:text><xsl:value-of select="@detail"/></xsl:if></td>
<td><xsl:call-template name="datetime"><xsl:with-param name="at" select="@opened"/></xsl:call-template></td>
<td><xsl:if test="@acknowledged">
<xsl:call-template name="datetime"><xsl:with-param name="at" select="@acknowledged"/></xsl:call-template>
<xsl:text>, </xsl:text><xsl:value-of select="@acknowledged-by"/>
</xsl:if></td>
<xsl:if test="$sup">
<td>
<xsl:if test="not(@acknowledged)">
<xsl:call-template name="link-action"><xsl:with-param name="name" select="'acknowledge'"/><xsl:with-param name="incident" select="@id"/></xsl:call-template>
</xsl:if>
<xsl:if test="@kind = 'retries_exhausted' and @ref">
<xsl:call-template name="link-action"><xsl:with-param name="name" select="'retry'"/><xsl:with-param name="incident" select="@id"/></xsl:call-template>
</xsl:if>
<xsl:call-template name="link-action"><xsl:with-param name="name" select="'resolve'"/><xsl:with-param name="incident" select="@id"/></xsl:call-template>
</td>
</xsl:if>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.link.incidents.none')"/></p></xsl:otherwise>
</xsl:choose>
</section>

<section aria-labelledby="h-history">
<h2 id="h-history"><xsl:value-of select="i:t('office.link.history')"/></h2>
<xsl:apply-templates select="$l/chart"/>
</section>

<section aria-labelledby="h-compensation">
<h2 id="h-compensation"><xsl:value-of select="i:t('office.link.compensation')"/></h2>
<p><xsl:value-of select="i:t('office.link.compensation.intro')"/></p>
<xsl:variable name="cs" select="$l/compensations"/>
<xsl:choose>
<xsl:when test="$cs/compensation">
<div class="table-wrap">
<table class="times compensations">
<thead><tr>
<th scope="col"><xsl:value-of select="i:t('office.ref')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.name')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.compensation.due')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.compensation.outage')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.compensation.hours')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.compensation.flagged')"/></th>
</tr></thead>
<tbody>
<xsl:for-each select="$cs/compensation">
<tr>
<th scope="row"><a href="/office/case/{@ref}"><xsl:value-of select="@ref"/></a></th>
<td><xsl:value-of select="@name"/></td>
<td><xsl:value-of select="translate(@due, 'T', ' ')"/></td>
<td><xsl:value-of select="translate(@outage-from, 'T', ' ')"/> – <xsl:value-of select="translate(@outage-to, 'T', ' ')"/></td>
<td><xsl:value-of select="@outage-hours"/></td>
<td><xsl:value-of select="translate(@flagged, 'T', ' ')"/></td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
<xsl:if test="$cs/@count &gt; count($cs/compensation)">
<p><xsl:value-of select="i:t('office.link.compensation.more')"/></p>
</xsl:if>
<p><a href="/office/link/compensation.csv"><xsl:value-of select="i:t('office.link.compensation.csv')"/></a></p>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.link.compensation.none')"/></p></xsl:otherwise>
</xsl:choose>
</section>
</xsl:template>

<!--
  One chart: backlog (solid, left scale) and drain rate (dashed, right
  scale) per bucket, with a dot per sampled bucket so that a lone sample
  shows; buckets without samples are left out of the lines.
-->
<xsl:template match="chart">
<xsl:variable name="n" select="@n"/>
<xsl:variable name="mb" select="@max-backlog"/>
<xsl:variable name="mr" select="@max-rate"/>
<xsl:variable name="dx" select="($cx1 - $cx0) div ($n - 1)"/>
<xsl:variable name="h" select="$cy1 - $cy0"/>
<figure class="chart" id="chart-{@name}">
<figcaption id="chart-{@name}-title"><xsl:value-of select="i:t(concat('office.link.chart.', @name))"/></figcaption>
<svg viewBox="0 0 640 250" width="100%" role="img" aria-labelledby="chart-{@name}-title" class="chart">
<rect x="{$cx0}" y="{$cy0}" width="{$cx1 - $cx0}" height="{$h}" fill="#fafafa" stroke="#767676" stroke-width="1"/>
<text x="{$cx0 - 6}" y="{$cy0 + 4}" text-anchor="end" font-size="12" fill="#1f4f8a"><xsl:value-of select="$mb"/></text>
<text x="{$cx0 - 6}" y="{$cy1}" text-anchor="end" font-size="12" fill="#1f4f8a">0</text>
<text x="{$cx1 + 6}" y="{$cy0 + 4}" font-size="12" fill="#8a4500"><xsl:value-of select="$mr"/>/s</text>
<text x="{$cx1 + 6}" y="{$cy1}" font-size="12" fill="#8a4500">0</text>
<text x="{$cx0}" y="{$cy1 + 16}" font-size="12" fill="#222"><xsl:value-of select="translate(b[1]/@at, 'T', ' ')"/></text>
<text x="{$cx1}" y="{$cy1 + 16}" text-anchor="end" font-size="12" fill="#222"><xsl:value-of select="translate(b[last()]/@at, 'T', ' ')"/></text>
<polyline fill="none" stroke="#1f4f8a" stroke-width="2">
<xsl:attribute name="points">
<xsl:for-each select="b[@backlog]">
<xsl:value-of select="round($cx0 + @i * $dx)"/>,<xsl:value-of select="round($cy1 - @backlog * $h div $mb)"/>
<xsl:text> </xsl:text>
</xsl:for-each>
</xsl:attribute>
</polyline>
<polyline fill="none" stroke="#8a4500" stroke-width="2" stroke-dasharray="6 4">
<xsl:attribute name="points">
<xsl:for-each select="b[@rate]">
<xsl:value-of select="round($cx0 + @i * $dx)"/>,<xsl:value-of select="round($cy1 - @rate * $h div $mr)"/>
<xsl:text> </xsl:text>
</xsl:for-each>
</xsl:attribute>
</polyline>
<xsl:for-each select="b[@backlog]">
<circle cx="{round($cx0 + @i * $dx)}" cy="{round($cy1 - @backlog * $h div $mb)}" r="3" fill="#1f4f8a"/>
</xsl:for-each>
<line x1="{$cx0}" y1="{$cy1 + 26}" x2="{$cx0 + 24}" y2="{$cy1 + 26}" stroke="#1f4f8a" stroke-width="2"/>
<text x="{$cx0 + 30}" y="{$cy1 + 30}" font-size="12" fill="#222"><xsl:value-of select="i:t('office.link.chart.backlog')"/></text>
<line x1="{$cx0}" y1="{$cy1 + 44}" x2="{$cx0 + 24}" y2="{$cy1 + 44}" stroke="#8a4500" stroke-width="2" stroke-dasharray="6 4"/>
<text x="{$cx0 + 30}" y="{$cy1 + 48}" font-size="12" fill="#222"><xsl:value-of select="i:t('office.link.chart.rate')"/></text>
</svg>
<details>
<summary><xsl:value-of select="i:t('office.link.chart.figures')"/></summary>
<div class="table-wrap">
<table class="times">
<thead><tr>
<th scope="col"><xsl:value-of select="i:t('office.link.chart.period')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.chart.backlog')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.link.chart.rate')"/></th>
</tr></thead>
<tbody>
<xsl:for-each select="b">
<tr>
<th scope="row"><xsl:value-of select="translate(@at, 'T', ' ')"/></th>
<xsl:choose>
<xsl:when test="@backlog">
<td><xsl:value-of select="@backlog"/></td>
<td><xsl:value-of select="@rate"/></td>
</xsl:when>
<xsl:otherwise>
<td colspan="2"><xsl:value-of select="i:t('office.link.chart.nodata')"/></td>
</xsl:otherwise>
</xsl:choose>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</details>
</figure>
</xsl:template>

<!--
  What an incident is about, in the reader's language: the catalogue's
  sentence for its kind with its numbers and times put in.  {n} a count,
  {number} a permit number, {age} a duration, {at} a time.
-->
<xsl:template match="incident" mode="about">
<xsl:variable name="with-n">
<xsl:call-template name="fill">
<xsl:with-param name="text" select="i:t(concat('office.link.incident.about.', @kind))"/>
<xsl:with-param name="key" select="'{n}'"/>
<xsl:with-param name="value" select="@n"/>
</xsl:call-template>
</xsl:variable>
<xsl:variable name="with-number">
<xsl:call-template name="fill">
<xsl:with-param name="text" select="$with-n"/>
<xsl:with-param name="key" select="'{number}'"/>
<xsl:with-param name="value" select="@number"/>
</xsl:call-template>
</xsl:variable>
<xsl:variable name="with-age">
<xsl:call-template name="fill">
<xsl:with-param name="text" select="$with-number"/>
<xsl:with-param name="key" select="'{age}'"/>
<xsl:with-param name="value">
<xsl:if test="@seconds">
<xsl:call-template name="duration"><xsl:with-param name="s" select="@seconds"/></xsl:call-template>
</xsl:if>
</xsl:with-param>
</xsl:call-template>
</xsl:variable>
<xsl:call-template name="fill">
<xsl:with-param name="text" select="$with-age"/>
<xsl:with-param name="key" select="'{at}'"/>
<xsl:with-param name="value">
<xsl:if test="@at">
<xsl:call-template name="datetime"><xsl:with-param name="at" select="@at"/></xsl:call-template>
</xsl:if>
</xsl:with-param>
</xsl:call-template>
</xsl:template>

</xsl:stylesheet>
