<?xml version="1.0" encoding="UTF-8"?>
<!--
  The public status page: the lookup form (with what was typed and the
  error next to its field), or one case's current step in plain words.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<!-- The main road of a case; side states are told apart below. -->
<xsl:variable name="steps"
    select="' submitted paid biometrics_done awaiting_clearance cleared issued '"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('status.title')"/>
</xsl:template>

<xsl:template match="page[case]" mode="content">
<h1><xsl:value-of select="i:t('status.title')"/></h1>
<xsl:apply-templates select="case"/>
<p><a href="/"><xsl:value-of select="i:t('status.again')"/></a></p>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('status.title')"/></h1>
<p><xsl:value-of select="i:t('status.intro')"/></p>
<xsl:apply-templates select="form"/>
</xsl:template>

<xsl:template match="form">
<xsl:if test="error">
<div class="alert" role="alert">
<p><xsl:value-of select="i:t(error/@key)"/></p>
</div>
</xsl:if>
<form method="post" action="/status" novalidate="novalidate">
<input type="hidden" name="lang" value="{$lang}"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'status.'"/>
<xsl:with-param name="name" select="'ref'"/>
<xsl:with-param name="value" select="@ref"/>
<xsl:with-param name="autocomplete" select="'off'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'status.'"/>
<xsl:with-param name="name" select="'passport'"/>
<xsl:with-param name="value" select="@passport"/>
<xsl:with-param name="autocomplete" select="'off'"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('status.submit')"/></button>
</form>
</xsl:template>

<xsl:template match="case">
<section class="case" aria-labelledby="case-ref">
<h2 id="case-ref"><xsl:value-of select="@ref"/></h2>
<p class="state state-{@state}">
<strong><xsl:value-of select="i:t(concat('state.', @state))"/></strong>
</p>
<p><xsl:value-of select="i:t(concat('state.', @state, '.explain'))"/></p>
<dl>
<dt><xsl:value-of select="i:t('status.since')"/></dt>
<dd>
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="@since"/>
</xsl:call-template>
</dd>
<dt><xsl:value-of select="i:t('status.office')"/></dt>
<dd><xsl:value-of select="@office"/></dd>
<dt><xsl:value-of select="i:t('status.level')"/></dt>
<dd><xsl:value-of select="i:t(concat('level.', @level))"/></dd>
<xsl:if test="@due">
<dt><xsl:value-of select="i:t('status.due')"/></dt>
<dd>
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="@due"/>
</xsl:call-template>
</dd>
</xsl:if>
</dl>
<xsl:if test="@state = 'awaiting_clearance'">
<xsl:call-template name="link">
<xsl:with-param name="state" select="@link"/>
<xsl:with-param name="since" select="@outage-since"/>
<xsl:with-param name="paused" select="@paused"/>
<xsl:with-param name="ahead" select="@ahead"/>
<xsl:with-param name="more" select="@ahead-more"/>
<xsl:with-param name="eta" select="@eta"/>
<xsl:with-param name="after" select="@after-recovery"/>
</xsl:call-template>
</xsl:if>
<xsl:if test="@compensation = 't'">
<div class="notice" role="status">
<p><xsl:value-of select="i:t('status.compensation')"/></p>
</div>
</xsl:if>
<xsl:if test="contains($steps, concat(' ', @state, ' '))">
<xsl:variable name="here" select="@state"/>
<h3><xsl:value-of select="i:t('status.steps')"/></h3>
<ol class="steps">
<xsl:call-template name="step"><xsl:with-param name="s" select="'submitted'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
<xsl:call-template name="step"><xsl:with-param name="s" select="'paid'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
<xsl:call-template name="step"><xsl:with-param name="s" select="'biometrics_done'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
<xsl:call-template name="step"><xsl:with-param name="s" select="'awaiting_clearance'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
<xsl:call-template name="step"><xsl:with-param name="s" select="'cleared'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
<xsl:call-template name="step"><xsl:with-param name="s" select="'issued'"/><xsl:with-param name="here" select="$here"/></xsl:call-template>
</ol>
</xsl:if>
</section>
</xsl:template>

<!-- One step of the road: done, current or still to come. -->
<xsl:template name="step">
<xsl:param name="s"/>
<xsl:param name="here"/>
<xsl:variable name="pos-s" select="string-length(substring-before($steps, concat(' ', $s, ' ')))"/>
<xsl:variable name="pos-here" select="string-length(substring-before($steps, concat(' ', $here, ' ')))"/>
<li>
<xsl:choose>
<xsl:when test="$pos-s = $pos-here">
<xsl:attribute name="class">current</xsl:attribute>
<xsl:attribute name="aria-current">step</xsl:attribute>
</xsl:when>
<xsl:when test="$pos-s &lt; $pos-here">
<xsl:attribute name="class">done</xsl:attribute>
</xsl:when>
<xsl:otherwise>
<xsl:attribute name="class">todo</xsl:attribute>
</xsl:otherwise>
</xsl:choose>
<xsl:value-of select="i:t(concat('state.', $s))"/>
</li>
</xsl:template>

</xsl:stylesheet>
