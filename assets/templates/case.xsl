<?xml version="1.0" encoding="UTF-8"?>
<!--
  The applicant's case: where it stands, its steps, what is still needed
  (details, documents), the billing code, and what the applicant may do.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="case/@ref"/>
</xsl:template>

<xsl:template name="hidden">
<xsl:call-template name="csrf"/>
<input type="hidden" name="version" value="{/page/case/@version}"/>
<input type="hidden" name="idem" value="{/page/@idem}"/>
</xsl:template>

<xsl:template match="page" mode="content">
<xsl:variable name="c" select="case"/>
<h1><xsl:value-of select="$c/@ref"/></h1>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>
<p class="state state-{$c/@state}">
<strong><xsl:value-of select="i:t(concat('state.', $c/@state))"/></strong>
</p>
<p><xsl:value-of select="i:t(concat('state.', $c/@state, '.explain'))"/></p>
<xsl:if test="$c/@state = 'issued'">
<p><a class="button" href="/case/{$c/@ref}/permit.pdf" download="e-ITAS-{$c/@ref}.pdf"><xsl:value-of select="i:t('case.permit')"/></a></p>
</xsl:if>
<xsl:for-each select="$c/link">
<xsl:call-template name="link">
<xsl:with-param name="state" select="@state"/>
<xsl:with-param name="since" select="@outage-since"/>
<xsl:with-param name="paused" select="@paused"/>
<xsl:with-param name="ahead" select="@ahead"/>
<xsl:with-param name="more" select="@ahead-more"/>
<xsl:with-param name="eta" select="@eta"/>
<xsl:with-param name="after" select="@after-recovery"/>
</xsl:call-template>
</xsl:for-each>
<xsl:if test="$c/compensation">
<div class="notice" role="status">
<p><xsl:value-of select="i:t('status.compensation')"/></p>
</div>
</xsl:if>
<dl>
<dt><xsl:value-of select="i:t('times.kind')"/></dt>
<dd><xsl:value-of select="i:t(concat('kind.', $c/@kind))"/></dd>
<dt><xsl:value-of select="i:t('apply.duration')"/></dt>
<dd><xsl:value-of select="i:t(concat('duration.', $c/@duration))"/></dd>
<dt><xsl:value-of select="i:t('status.level')"/></dt>
<dd><xsl:value-of select="i:t(concat('level.', $c/@level))"/></dd>
<dt><xsl:value-of select="i:t('status.office')"/></dt>
<dd><xsl:value-of select="$c/@office"/></dd>
</dl>

<!-- Only while the fee is awaited: a paid code is history, and an ended
     case's code is void (the model may still carry a paid one). -->
<xsl:if test="$c/billing and $c/@state = 'submitted'">
<section class="billing" aria-labelledby="billing-h">
<h2 id="billing-h"><xsl:value-of select="i:t('case.billing')"/></h2>
<dl>
<dt><xsl:value-of select="i:t('case.billing.code')"/></dt>
<dd class="code"><xsl:value-of select="$c/billing/@code"/></dd>
<dt><xsl:value-of select="i:t('case.billing.amount')"/></dt>
<dd>
<xsl:call-template name="rupiah">
<xsl:with-param name="amount" select="$c/billing/@amount"/>
</xsl:call-template>
</dd>
<dt><xsl:value-of select="i:t('case.billing.expires')"/></dt>
<dd>
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="$c/billing/@expires"/>
</xsl:call-template>
</dd>
</dl>
<xsl:if test="$c/billing/@expired = 'true' and $c/billing/@paid = 'false'">
<form method="post" action="/case/{$c/@ref}">
<xsl:call-template name="hidden"/>
<input type="hidden" name="action" value="renew"/>
<button type="submit"><xsl:value-of select="i:t('case.billing.renew')"/></button>
</form>
</xsl:if>
</section>
</xsl:if>

<xsl:if test="$c/@state = 'draft' or $c/@state = 'more_info'">
<section aria-labelledby="details-h">
<h2 id="details-h"><xsl:value-of select="i:t('case.details')"/></h2>
<form method="post" action="/case/{$c/@ref}">
<xsl:call-template name="hidden"/>
<input type="hidden" name="action" value="details"/>
<xsl:for-each select="$c">
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'case.'"/>
<xsl:with-param name="name" select="'sponsor_name'"/>
<xsl:with-param name="value" select="@sponsor-name"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'case.'"/>
<xsl:with-param name="name" select="'sponsor_ref'"/>
<xsl:with-param name="value" select="@sponsor-ref"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'case.'"/>
<xsl:with-param name="name" select="'sponsor_email'"/>
<xsl:with-param name="value" select="@sponsor-email"/>
<xsl:with-param name="type" select="'email'"/>
<xsl:with-param name="autocomplete" select="'email'"/>
</xsl:call-template>
<xsl:call-template name="field">
<xsl:with-param name="prefix" select="'case.'"/>
<xsl:with-param name="name" select="'address'"/>
<xsl:with-param name="value" select="@address"/>
<xsl:with-param name="autocomplete" select="'street-address'"/>
<xsl:with-param name="hint" select="false()"/>
</xsl:call-template>
<p><xsl:value-of select="i:t('case.city')"/>: <xsl:value-of select="@city"/> (<xsl:value-of select="@office"/>)</p>
</xsl:for-each>
<button type="submit"><xsl:value-of select="i:t('case.details.save')"/></button>
</form>
</section>

<section aria-labelledby="docs-h">
<h2 id="docs-h"><xsl:value-of select="i:t('case.documents')"/></h2>
<p><xsl:value-of select="i:t('case.documents.hint')"/></p>
<ul class="docs">
<xsl:for-each select="$c/document">
<li>
<strong><xsl:value-of select="i:t(concat('doc.', @type))"/></strong>
<xsl:text>: </xsl:text>
<xsl:choose>
<xsl:when test="@filename">
<xsl:value-of select="@filename"/>
</xsl:when>
<xsl:otherwise><em><xsl:value-of select="i:t('case.documents.missing')"/></em></xsl:otherwise>
</xsl:choose>
<form method="post" action="/case/{$c/@ref}/document" enctype="multipart/form-data">
<xsl:call-template name="csrf"/>
<input type="hidden" name="type" value="{@type}"/>
<label for="file-{@type}" class="visually-hidden"><xsl:value-of select="i:t(concat('doc.', @type))"/></label>
<input type="file" id="file-{@type}" name="file" accept="application/pdf,image/jpeg,image/png"/>
<button type="submit"><xsl:value-of select="i:t('case.documents.upload')"/></button>
</form>
</li>
</xsl:for-each>
</ul>
</section>
</xsl:if>

<xsl:if test="$c/@state = 'draft'">
<form method="post" action="/case/{$c/@ref}">
<xsl:call-template name="hidden"/>
<input type="hidden" name="action" value="submit"/>
<button type="submit"><xsl:value-of select="i:t('case.submit')"/></button>
</form>
</xsl:if>
<xsl:if test="$c/@state = 'more_info'">
<xsl:if test="$c/step[@command = 'request_info'][last()]/@reason">
<div class="notice" role="note">
<p><strong><xsl:value-of select="i:t('case.asked')"/></strong></p>
<p><xsl:value-of select="$c/step[@command = 'request_info'][last()]/@reason"/></p>
</div>
</xsl:if>
<form method="post" action="/case/{$c/@ref}">
<xsl:call-template name="hidden"/>
<input type="hidden" name="action" value="provide_info"/>
<button type="submit"><xsl:value-of select="i:t('case.provide_info')"/></button>
</form>
</xsl:if>

<h2><xsl:value-of select="i:t('case.history')"/></h2>
<ol class="timeline">
<xsl:for-each select="$c/step">
<li>
<xsl:call-template name="datetime">
<xsl:with-param name="at" select="@at"/>
</xsl:call-template>
<xsl:text>: </xsl:text>
<xsl:call-template name="step-name"/>
<xsl:if test="@reason">
<xsl:text> — </xsl:text><xsl:value-of select="@reason"/>
</xsl:if>
</li>
</xsl:for-each>
</ol>

<xsl:if test="not($c/@state = 'issued' or $c/@state = 'rejected' or $c/@state = 'withdrawn' or $c/@state = 'cancelled')">
<form method="post" action="/case/{$c/@ref}" class="withdraw">
<xsl:call-template name="hidden"/>
<input type="hidden" name="action" value="withdraw"/>
<button type="submit" class="secondary"><xsl:value-of select="i:t('case.withdraw')"/></button>
</form>
</xsl:if>
<p><a href="/account"><xsl:value-of select="i:t('site.my_cases')"/></a></p>
</xsl:template>

</xsl:stylesheet>
