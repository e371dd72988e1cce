<?xml version="1.0" encoding="UTF-8"?>
<!--
  Verify an e-ITAS: the token from the permit's QR code in, the verdict
  and what the permit says out, for the verifier to compare with the
  person and the passport in front of them.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="i:t('verify.title')"/>
</xsl:template>

<xsl:template match="page" mode="content">
<h1><xsl:value-of select="i:t('verify.title')"/></h1>
<xsl:apply-templates select="verify/result"/>
<p><xsl:value-of select="i:t('verify.intro')"/></p>
<form method="get" action="/verify" novalidate="novalidate">
<input type="hidden" name="lang" value="{$lang}"/>
<div class="field">
<label for="t"><xsl:value-of select="i:t('verify.t')"/></label>
<p class="hint" id="t-hint"><xsl:value-of select="i:t('verify.t.hint')"/></p>
<textarea id="t" name="t" rows="5" cols="60" spellcheck="false"
    autocomplete="off" aria-describedby="t-hint">
<xsl:value-of select="verify/@token"/>
</textarea>
</div>
<button type="submit"><xsl:value-of select="i:t('verify.submit')"/></button>
</form>
<p><xsl:value-of select="i:t('verify.offline')"/>
<xsl:text> </xsl:text><a href="/verify/keys"><xsl:value-of select="i:t('verify.keys')"/></a>
<xsl:text> · </xsl:text><a href="/verify/revocations"><xsl:value-of select="i:t('verify.revocations')"/></a></p>
</xsl:template>

<xsl:template match="result">
<section class="verdict verdict-{@status}" aria-labelledby="verdict" role="status">
<h2 id="verdict"><xsl:value-of select="i:t(concat('verify.status.', @status))"/></h2>
<p><xsl:value-of select="i:t(concat('verify.status.', @status, '.explain'))"/></p>
<xsl:if test="@number">
<dl>
<dt><xsl:value-of select="i:t('verify.number')"/></dt><dd><xsl:value-of select="@number"/></dd>
<dt><xsl:value-of select="i:t('verify.holder')"/></dt><dd><xsl:value-of select="@holder"/></dd>
<dt><xsl:value-of select="i:t('verify.nationality')"/></dt><dd><xsl:value-of select="@nationality"/></dd>
<dt><xsl:value-of select="i:t('verify.passport')"/></dt><dd><xsl:value-of select="@passport"/></dd>
<dt><xsl:value-of select="i:t('verify.kind')"/></dt><dd><xsl:value-of select="i:t(concat('kind.', @kind))"/></dd>
<dt><xsl:value-of select="i:t('verify.valid')"/></dt><dd><xsl:value-of select="@valid-from"/> – <xsl:value-of select="@valid-to"/></dd>
<xsl:if test="@office">
<dt><xsl:value-of select="i:t('verify.office')"/></dt><dd><xsl:value-of select="@office"/></dd>
</xsl:if>
<xsl:if test="@reason">
<dt><xsl:value-of select="i:t('verify.reason')"/></dt><dd><xsl:value-of select="@reason"/></dd>
</xsl:if>
</dl>
</xsl:if>
</section>
</xsl:template>

</xsl:stylesheet>
