<?xml version="1.0" encoding="UTF-8"?>
<!--
  Registration, confirmation, sign-in, password reset and change: one
  stylesheet, a view per step (auth/@view).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t(concat('auth.', auth/@view, '.title'))"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t(concat('auth.', auth/@view, '.title'))"/></h1>
<xsl:apply-templates select="auth"/>
</xsl:template>

<!-- Views that only say something. -->
<xsl:template match="auth">
<p><xsl:value-of select="i:t(concat('auth.', @view, '.text'))"/></p>
<p><a href="/login"><xsl:value-of select="i:t('site.login')"/></a></p>
</xsl:template>

<xsl:template name="alert">
<xsl:if test="error">
<div class="alert" role="alert">
<xsl:for-each select="error">
<p><xsl:value-of select="i:t(@key)"/></p>
</xsl:for-each>
</div>
</xsl:if>
</xsl:template>

<xsl:template match="auth[@view = 'register']">
<xsl:call-template name="alert"/>
<p><xsl:value-of select="i:t('auth.register.intro')"/></p>
<form method="post" action="/register" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'name'"/>
<xsl:with-param name="value" select="@name"/>
<xsl:with-param name="autocomplete" select="'name'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'email'"/>
<xsl:with-param name="value" select="@email"/>
<xsl:with-param name="type" select="'email'"/>
<xsl:with-param name="autocomplete" select="'email'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password2'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('auth.register.submit')"/></button>
</form>
<p><a href="/login"><xsl:value-of select="i:t('auth.have_account')"/></a></p>
</xsl:template>

<xsl:template match="auth[@view = 'login']">
<xsl:call-template name="alert"/>
<form method="post" action="/login" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'email'"/>
<xsl:with-param name="value" select="@email"/>
<xsl:with-param name="type" select="'email'"/>
<xsl:with-param name="autocomplete" select="'username'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'current-password'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('auth.login.submit')"/></button>
</form>
<p><a href="/reset"><xsl:value-of select="i:t('auth.forgot')"/></a></p>
<p><a href="/register"><xsl:value-of select="i:t('site.register')"/></a></p>
</xsl:template>

<xsl:template match="auth[@view = 'reset']">
<xsl:call-template name="alert"/>
<p><xsl:value-of select="i:t('auth.reset.intro')"/></p>
<form method="post" action="/reset" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'email'"/>
<xsl:with-param name="value" select="@email"/>
<xsl:with-param name="type" select="'email'"/>
<xsl:with-param name="autocomplete" select="'email'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('auth.reset.submit')"/></button>
</form>
</xsl:template>

<xsl:template match="auth[@view = 'reset_new']">
<xsl:call-template name="alert"/>
<form method="post" action="/reset/new" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<input type="hidden" name="token" value="{@token}"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password2'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('auth.reset_new.submit')"/></button>
</form>
</xsl:template>

<xsl:template match="auth[@view = 'password']">
<xsl:call-template name="alert"/>
<form method="post" action="/account/password" novalidate="novalidate">
<xsl:call-template name="csrf"/>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'old'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'current-password'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'auth.'"/>
<xsl:with-param name="name" select="'password2'"/>
<xsl:with-param name="type" select="'password'"/>
<xsl:with-param name="autocomplete" select="'new-password'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<button type="submit"><xsl:value-of select="i:t('auth.password.submit')"/></button>
</form>
</xsl:template>

</xsl:stylesheet>
