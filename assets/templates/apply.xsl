<?xml version="1.0" encoding="UTF-8"?>
<!-- Start an application: who applies (passport) and for what. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('apply.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('apply.title')"/></h1>
<p><xsl:value-of select="i:t('apply.intro')"/></p>
<xsl:apply-templates select="apply"/>
</xsl:template>

<xsl:template name="choice">
<xsl:param name="name"/>
<xsl:param name="values"/>
<xsl:param name="current"/>
<xsl:param name="prefix"/>
<xsl:if test="string-length($values) &gt; 0">
<xsl:variable name="v" select="substring-before(concat($values, ' '), ' ')"/>
<option value="{$v}">
<xsl:if test="$v = $current"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="i:t(concat($prefix, $v))"/>
</option>
<xsl:call-template name="choice">
<xsl:with-param name="name" select="$name"/>
<xsl:with-param name="values" select="substring-after($values, ' ')"/>
<xsl:with-param name="current" select="$current"/>
<xsl:with-param name="prefix" select="$prefix"/>
</xsl:call-template>
</xsl:if>
</xsl:template>

<xsl:template name="select">
<xsl:param name="name"/>
<xsl:param name="values"/>
<xsl:param name="current"/>
<xsl:param name="prefix"/>
<div class="field">
<label for="{$name}"><xsl:value-of select="i:t(concat('apply.', $name))"/></label>
<select id="{$name}" name="{$name}">
<xsl:call-template name="choice">
<xsl:with-param name="name" select="$name"/>
<xsl:with-param name="values" select="$values"/>
<xsl:with-param name="current" select="$current"/>
<xsl:with-param name="prefix" select="$prefix"/>
</xsl:call-template>
</select>
</div>
</xsl:template>

<xsl:template match="apply">
<xsl:if test="error">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(error/@key)"/></p></div>
</xsl:if>
<form method="post" action="/apply" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<input type="hidden" name="idem" value="{/page/@idem}"/>
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
<xsl:call-template name="select">
<xsl:with-param name="name" select="'sex'"/>
<xsl:with-param name="values" select="'F M X'"/>
<xsl:with-param name="current" select="@sex"/>
<xsl:with-param name="prefix" select="'sex.'"/>
</xsl:call-template>
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
<fieldset>
<legend><xsl:value-of select="i:t('apply.what')"/></legend>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'kind'"/>
<xsl:with-param name="values" select="'E23 E31A E31C E31E E33 E33G RETIREMENT'"/>
<xsl:with-param name="current" select="@kind"/>
<xsl:with-param name="prefix" select="'kind.'"/>
</xsl:call-template>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'duration'"/>
<xsl:with-param name="values" select="'1 2'"/>
<xsl:with-param name="current" select="@duration"/>
<xsl:with-param name="prefix" select="'duration.'"/>
</xsl:call-template>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'level'"/>
<xsl:with-param name="values" select="'regular express'"/>
<xsl:with-param name="current" select="@level"/>
<xsl:with-param name="prefix" select="'level.'"/>
</xsl:call-template>
<xsl:call-template name="select">
<xsl:with-param name="name" select="'office'"/>
<xsl:with-param name="values" select="'SMG JKT BTM DPS PLM'"/>
<xsl:with-param name="current" select="@office"/>
<xsl:with-param name="prefix" select="'office.'"/>
</xsl:call-template>
</fieldset>
<button type="submit"><xsl:value-of select="i:t('apply.submit')"/></button>
</form>
</xsl:template>

</xsl:stylesheet>
