<?xml version="1.0" encoding="UTF-8"?>
<!--
  Applying, one step per page: the permit, its terms, the sponsor, where
  the applicant lives (which chooses the office), then the passport,
  which opens the case.  The model is /page/apply: the saved draft, the
  step shown (@step), the first step still to do (@next), the choices
  (permit, fee, service, place) and the errors of a refused step.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:variable name="order" select="' kind terms sponsor domicile passport '"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t(concat('apply.step.', apply/@step))"/>
<xsl:text> · </xsl:text>
<xsl:value-of select="i:t('apply.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('apply.title')"/></h1>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>
<xsl:apply-templates select="apply"/>
</xsl:template>

<!-- Where the applicant is: done steps link back, later ones wait. -->
<xsl:template name="progress">
<xsl:param name="a"/>
<nav aria-label="{i:t('apply.progress')}">
<ol class="steps">
<xsl:call-template name="progress-step"><xsl:with-param name="a" select="$a"/><xsl:with-param name="s" select="'kind'"/></xsl:call-template>
<xsl:call-template name="progress-step"><xsl:with-param name="a" select="$a"/><xsl:with-param name="s" select="'terms'"/></xsl:call-template>
<xsl:if test="not($a/@kind) or $a/@sponsor-kind != 'self'">
<xsl:call-template name="progress-step"><xsl:with-param name="a" select="$a"/><xsl:with-param name="s" select="'sponsor'"/></xsl:call-template>
</xsl:if>
<xsl:call-template name="progress-step"><xsl:with-param name="a" select="$a"/><xsl:with-param name="s" select="'domicile'"/></xsl:call-template>
<xsl:call-template name="progress-step"><xsl:with-param name="a" select="$a"/><xsl:with-param name="s" select="'passport'"/></xsl:call-template>
<li class="todo"><xsl:value-of select="i:t('apply.step.documents')"/></li>
</ol>
</nav>
</xsl:template>

<xsl:template name="progress-step">
<xsl:param name="a"/>
<xsl:param name="s"/>
<xsl:variable name="done" select="string-length(substring-before($order, concat(' ', $s, ' '))) &lt; string-length(substring-before($order, concat(' ', $a/@next, ' ')))"/>
<xsl:choose>
<xsl:when test="$s = $a/@step">
<li class="current" aria-current="step"><xsl:value-of select="i:t(concat('apply.step.', $s))"/></li>
</xsl:when>
<xsl:when test="$done or $s = $a/@next">
<li class="done"><a href="/apply?step={$s}"><xsl:value-of select="i:t(concat('apply.step.', $s))"/></a></li>
</xsl:when>
<xsl:otherwise>
<li class="todo"><xsl:value-of select="i:t(concat('apply.step.', $s))"/></li>
</xsl:otherwise>
</xsl:choose>
</xsl:template>

<!-- The start of a group of radio buttons (inside its fieldset): the
     legend and the error the fieldset points to. -->
<xsl:template name="group-start">
<xsl:param name="name"/>
<xsl:if test="error[@field = $name]">
<xsl:attribute name="aria-describedby"><xsl:value-of select="$name"/>-error</xsl:attribute>
</xsl:if>
<legend><xsl:value-of select="i:t(concat('apply.', $name))"/></legend>
<xsl:if test="error[@field = $name]">
<p class="error" id="{$name}-error"><xsl:value-of select="i:t(error[@field = $name]/@key)"/></p>
</xsl:if>
</xsl:template>

<xsl:template name="radio">
<xsl:param name="name"/>
<xsl:param name="value"/>
<xsl:param name="current"/>
<xsl:param name="label"/>
<xsl:param name="hint" select="''"/>
<div class="choice">
<input type="radio" id="{$name}-{$value}" name="{$name}" value="{$value}">
<xsl:if test="$value = $current"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
<xsl:if test="$hint != ''"><xsl:attribute name="aria-describedby"><xsl:value-of select="concat($name, '-', $value, '-hint')"/></xsl:attribute></xsl:if>
</input>
<label for="{$name}-{$value}"><xsl:value-of select="$label"/></label>
<xsl:if test="$hint != ''">
<p class="hint" id="{$name}-{$value}-hint"><xsl:value-of select="$hint"/></p>
</xsl:if>
</div>
</xsl:template>

<xsl:template name="buttons">
<xsl:param name="back"/>
<div class="actions">
<button type="submit">
<xsl:value-of select="i:t(concat('apply.next.', @step))"/>
</button>
<xsl:if test="$back != ''">
<xsl:text> </xsl:text>
<a href="/apply?step={$back}"><xsl:value-of select="i:t('apply.back')"/></a>
</xsl:if>
</div>
</xsl:template>

<xsl:template match="apply">
<xsl:call-template name="progress"><xsl:with-param name="a" select="."/></xsl:call-template>
<h2><xsl:value-of select="i:t(concat('apply.step.', @step))"/></h2>
<p><xsl:value-of select="i:t(concat('apply.intro.', @step))"/></p>
<form method="post" action="/apply" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<input type="hidden" name="idem" value="{/page/@idem}"/>
<input type="hidden" name="step" value="{@step}"/>
<xsl:apply-templates select="." mode="step"/>
</form>
</xsl:template>

<xsl:template match="apply[@step = 'kind']" mode="step">
<xsl:variable name="a" select="."/>
<fieldset>
<xsl:call-template name="group-start"><xsl:with-param name="name" select="'kind'"/></xsl:call-template>
<xsl:for-each select="permit">
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'kind'"/>
<xsl:with-param name="value" select="@kind"/>
<xsl:with-param name="current" select="$a/@kind"/>
<xsl:with-param name="label" select="i:t(concat('kind.', @kind))"/>
<xsl:with-param name="hint">
<xsl:value-of select="i:t('apply.documents')"/>
<xsl:text> </xsl:text>
<xsl:for-each select="doc">
<xsl:value-of select="i:t(concat('doc.', @type))"/>
<xsl:if test="position() != last()"><xsl:text>, </xsl:text></xsl:if>
</xsl:for-each>
<xsl:text>.</xsl:text>
</xsl:with-param>
</xsl:call-template>
</xsl:for-each>
</fieldset>
<xsl:call-template name="buttons"><xsl:with-param name="back" select="''"/></xsl:call-template>
</xsl:template>

<xsl:template match="apply[@step = 'terms']" mode="step">
<xsl:variable name="a" select="."/>
<fieldset>
<xsl:call-template name="group-start"><xsl:with-param name="name" select="'duration'"/></xsl:call-template>
<xsl:for-each select="fee[@item = 'itas_1y' or @item = 'itas_2y']">
<xsl:variable name="years" select="substring(@item, 6, 1)"/>
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'duration'"/>
<xsl:with-param name="value" select="$years"/>
<xsl:with-param name="current" select="$a/@duration"/>
<xsl:with-param name="label">
<xsl:value-of select="i:t(concat('duration.', $years))"/>
<xsl:text> · </xsl:text>
<xsl:call-template name="rupiah"><xsl:with-param name="amount" select="@amount"/></xsl:call-template>
</xsl:with-param>
</xsl:call-template>
</xsl:for-each>
</fieldset>
<fieldset>
<xsl:call-template name="group-start"><xsl:with-param name="name" select="'level'"/></xsl:call-template>
<xsl:for-each select="service">
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'level'"/>
<xsl:with-param name="value" select="@level"/>
<xsl:with-param name="current" select="$a/@level"/>
<xsl:with-param name="label" select="i:t(concat('level.', @level))"/>
<xsl:with-param name="hint">
<xsl:value-of select="i:t('apply.days')"/>
<xsl:text> </xsl:text>
<xsl:value-of select="@days"/>
<xsl:if test="@level = 'express'">
<xsl:text> · </xsl:text>
<xsl:value-of select="i:t('apply.surcharge')"/>
<xsl:text> </xsl:text>
<xsl:call-template name="rupiah"><xsl:with-param name="amount" select="$a/fee[@item = 'express']/@amount"/></xsl:call-template>
</xsl:if>
</xsl:with-param>
</xsl:call-template>
</xsl:for-each>
</fieldset>
<xsl:call-template name="buttons"><xsl:with-param name="back" select="'kind'"/></xsl:call-template>
</xsl:template>

<xsl:template match="apply[@step = 'sponsor']" mode="step">
<p><xsl:value-of select="i:t(concat('apply.sponsor.', @sponsor-kind))"/></p>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'sponsor_name'"/>
<xsl:with-param name="value" select="@sponsor_name"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="concat('apply.', @sponsor-kind, '.')"/>
<xsl:with-param name="name" select="'sponsor_ref'"/>
<xsl:with-param name="value" select="@sponsor_ref"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'sponsor_email'"/>
<xsl:with-param name="value" select="@sponsor_email"/>
<xsl:with-param name="type" select="'email'"/>
</xsl:call-template>
<xsl:call-template name="buttons"><xsl:with-param name="back" select="'terms'"/></xsl:call-template>
</xsl:template>

<xsl:template match="apply[@step = 'domicile']" mode="step">
<xsl:variable name="a" select="."/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'address'"/>
<xsl:with-param name="value" select="@address"/>
<xsl:with-param name="autocomplete" select="'street-address'"/>
</xsl:call-template>
<div class="field">
<label for="area"><xsl:value-of select="i:t('apply.area')"/></label>
<p class="hint" id="area-hint"><xsl:value-of select="i:t('apply.area.hint')"/></p>
<xsl:if test="error[@field = 'area']">
<p class="error" id="area-error"><xsl:value-of select="i:t(error[@field = 'area']/@key)"/></p>
</xsl:if>
<select id="area" name="area" aria-describedby="area-hint">
<xsl:if test="error[@field = 'area']">
<xsl:attribute name="aria-describedby">area-hint area-error</xsl:attribute>
<xsl:attribute name="aria-invalid">true</xsl:attribute>
</xsl:if>
<option value=""><xsl:value-of select="i:t('apply.area.choose')"/></option>
<xsl:for-each select="place">
<option value="{@area}">
<xsl:if test="@area = $a/@area"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="@area"/>
<xsl:text> · </xsl:text>
<xsl:value-of select="@office"/>
</option>
</xsl:for-each>
</select>
</div>
<xsl:call-template name="buttons">
<xsl:with-param name="back">
<xsl:choose>
<xsl:when test="@sponsor-kind = 'self'">terms</xsl:when>
<xsl:otherwise>sponsor</xsl:otherwise>
</xsl:choose>
</xsl:with-param>
</xsl:call-template>
</xsl:template>

<xsl:template match="apply[@step = 'passport']" mode="step">
<h3><xsl:value-of select="i:t('apply.summary')"/></h3>
<dl class="facts">
<dt><xsl:value-of select="i:t('apply.kind')"/></dt>
<dd><xsl:value-of select="i:t(concat('kind.', @kind))"/></dd>
<dt><xsl:value-of select="i:t('apply.duration')"/></dt>
<dd><xsl:value-of select="i:t(concat('duration.', @duration))"/></dd>
<dt><xsl:value-of select="i:t('apply.level')"/></dt>
<dd><xsl:value-of select="i:t(concat('level.', @level))"/></dd>
<xsl:if test="@sponsor-kind != 'self'">
<dt><xsl:value-of select="i:t('apply.sponsor_name')"/></dt>
<dd><xsl:value-of select="@sponsor_name"/></dd>
</xsl:if>
<dt><xsl:value-of select="i:t('apply.address')"/></dt>
<dd><xsl:value-of select="@address"/>, <xsl:value-of select="@area"/></dd>
<dt><xsl:value-of select="i:t('apply.office')"/></dt>
<dd><xsl:value-of select="@office"/></dd>
</dl>
<fieldset>
<legend><xsl:value-of select="i:t('apply.who')"/></legend>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'family'"/>
<xsl:with-param name="value" select="@family"/>
<xsl:with-param name="autocomplete" select="'family-name'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'given'"/>
<xsl:with-param name="value" select="@given"/>
<xsl:with-param name="autocomplete" select="'given-name'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'birth'"/>
<xsl:with-param name="value" select="@birth"/>
<xsl:with-param name="type" select="'date'"/>
<xsl:with-param name="autocomplete" select="'bday'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<fieldset>
<xsl:call-template name="group-start"><xsl:with-param name="name" select="'sex'"/></xsl:call-template>
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'sex'"/>
<xsl:with-param name="value" select="'F'"/>
<xsl:with-param name="current" select="@sex"/>
<xsl:with-param name="label" select="i:t('sex.F')"/>
</xsl:call-template>
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'sex'"/>
<xsl:with-param name="value" select="'M'"/>
<xsl:with-param name="current" select="@sex"/>
<xsl:with-param name="label" select="i:t('sex.M')"/>
</xsl:call-template>
<xsl:call-template name="radio">
<xsl:with-param name="name" select="'sex'"/>
<xsl:with-param name="value" select="'X'"/>
<xsl:with-param name="current" select="@sex"/>
<xsl:with-param name="label" select="i:t('sex.X')"/>
</xsl:call-template>
</fieldset>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'nationality'"/>
<xsl:with-param name="value" select="@nationality"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'passport'"/>
<xsl:with-param name="value" select="@passport"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'apply.'"/>
<xsl:with-param name="name" select="'expiry'"/>
<xsl:with-param name="value" select="@expiry"/>
<xsl:with-param name="type" select="'date'"/>
</xsl:call-template>
</fieldset>
<xsl:call-template name="buttons"><xsl:with-param name="back" select="'domicile'"/></xsl:call-template>
</xsl:template>

</xsl:stylesheet>
