<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t(error/@key)"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t(error/@key)"/></h1>
<p><xsl:value-of select="i:t(concat(error/@key, '.help'))"/></p>
<p><a href="/"><xsl:value-of select="i:t('site.home')"/></a></p>
</xsl:template>

</xsl:stylesheet>
