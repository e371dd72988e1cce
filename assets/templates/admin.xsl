<?xml version="1.0" encoding="UTF-8"?>
<!--
  Staff accounts: who works where in which role, a form to add one, and
  for every other account its role, office and whether it is disabled.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('admin.title')"/>
</xsl:template>

<xsl:template name="office-select">
<xsl:param name="id"/>
<xsl:param name="office"/>
<select id="{$id}" name="office">
<option value="-"><xsl:value-of select="i:t('admin.no_office')"/></option>
<xsl:for-each select="/page/admin/office">
<option value="{@code}"><xsl:if test="@code = $office"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
<xsl:value-of select="@name"/> (<xsl:value-of select="@code"/>)</option>
</xsl:for-each>
</select>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('admin.title')"/></h1>
<p><a href="/office"><xsl:value-of select="i:t('admin.cases')"/></a></p>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>

<section aria-labelledby="h-new">
<h2 id="h-new"><xsl:value-of select="i:t('admin.new')"/></h2>
<p><xsl:value-of select="i:t('admin.new.explain')"/></p>
<form method="post" action="/admin">
<xsl:call-template name="csrf"/>
<input type="hidden" name="action" value="create"/>
<div class="field">
<label for="new-name"><xsl:value-of select="i:t('admin.name')"/></label>
<input type="text" id="new-name" name="name" maxlength="200" autocomplete="off"/>
</div>
<div class="field">
<label for="new-email"><xsl:value-of select="i:t('admin.email')"/></label>
<input type="email" id="new-email" name="email" maxlength="254" autocomplete="off"/>
</div>
<div class="field">
<label for="new-role"><xsl:value-of select="i:t('admin.role')"/></label>
<select id="new-role" name="role">
<option value="officer"><xsl:value-of select="i:t('admin.role.officer')"/></option>
<option value="supervisor"><xsl:value-of select="i:t('admin.role.supervisor')"/></option>
<option value="admin"><xsl:value-of select="i:t('admin.role.admin')"/></option>
</select>
</div>
<div class="field">
<label for="new-office"><xsl:value-of select="i:t('admin.office')"/></label>
<xsl:call-template name="office-select"><xsl:with-param name="id" select="'new-office'"/></xsl:call-template>
</div>
<button type="submit"><xsl:value-of select="i:t('admin.create')"/></button>
</form>
</section>

<section aria-labelledby="h-staff">
<h2 id="h-staff"><xsl:value-of select="i:t('admin.staff')"/></h2>
<xsl:for-each select="admin/user">
<form method="post" action="/admin" class="staff-row">
<xsl:call-template name="csrf"/>
<input type="hidden" name="action" value="update"/>
<input type="hidden" name="account" value="{@id}"/>
<fieldset>
<legend><xsl:value-of select="@name"/> — <xsl:value-of select="@email"/>
<xsl:if test="@disabled = 'true'"> (<xsl:value-of select="i:t('admin.disabled')"/>)</xsl:if>
<xsl:if test="@has-password = 'false'"> (<xsl:value-of select="i:t('admin.no_password')"/>)</xsl:if></legend>
<xsl:choose>
<xsl:when test="@me = 'true'"><p><xsl:value-of select="i:t('admin.yourself')"/></p></xsl:when>
<xsl:otherwise>
<label for="role-{@id}"><xsl:value-of select="i:t('admin.role')"/></label>
<select id="role-{@id}" name="role">
<xsl:variable name="r" select="@role"/>
<option value="officer"><xsl:if test="$r = 'officer'"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if><xsl:value-of select="i:t('admin.role.officer')"/></option>
<option value="supervisor"><xsl:if test="$r = 'supervisor'"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if><xsl:value-of select="i:t('admin.role.supervisor')"/></option>
<option value="admin"><xsl:if test="$r = 'admin'"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if><xsl:value-of select="i:t('admin.role.admin')"/></option>
</select>
<label for="office-{@id}"><xsl:value-of select="i:t('admin.office')"/></label>
<xsl:call-template name="office-select">
<xsl:with-param name="id" select="concat('office-', @id)"/>
<xsl:with-param name="office" select="@office"/>
</xsl:call-template>
<label><input type="checkbox" name="disabled" value="yes"><xsl:if test="@disabled = 'true'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if></input>
<xsl:text> </xsl:text><xsl:value-of select="i:t('admin.disabled')"/></label>
<button type="submit"><xsl:value-of select="i:t('admin.save')"/></button>
</xsl:otherwise>
</xsl:choose>
</fieldset>
</form>
</xsl:for-each>
</section>
</xsl:template>

</xsl:stylesheet>
