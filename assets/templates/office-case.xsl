<?xml version="1.0" encoding="UTF-8"?>
<!--
  One case in the back office: its record (applicant, sponsor, documents,
  every step with who did it, when it happened and when it was recorded,
  billing, clearance, the permit) and the actions its step allows.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:kitas:i18n"
    exclude-result-prefixes="i">

<xsl:import href="_layout.xsl"/>

<xsl:template match="page" mode="title">
<xsl:value-of select="case/@ref"/>
</xsl:template>

<!-- One action: a form with the case version it was shown with. -->
<xsl:template name="action">
<xsl:param name="name"/>
<xsl:param name="reason" select="false()"/>
<form method="post" action="/office/case/{/page/case/@ref}" class="action">
<xsl:call-template name="csrf"/>
<input type="hidden" name="version" value="{/page/case/@version}"/>
<input type="hidden" name="idem" value="{/page/@idem}"/>
<input type="hidden" name="action" value="{$name}"/>
<xsl:if test="$reason">
<div class="field">
<label for="reason-{$name}"><xsl:value-of select="i:t(concat('office.reason.', $name))"/></label>
<input type="text" id="reason-{$name}" name="reason" maxlength="500" autocomplete="off"/>
</div>
</xsl:if>
<button type="submit"><xsl:value-of select="i:t(concat('office.do.', $name))"/></button>
</form>
</xsl:template>

<xsl:template match="page" mode="content">
<xsl:variable name="c" select="case"/>
<p><a href="/office"><xsl:value-of select="i:t('office.back')"/></a></p>
<h1><xsl:value-of select="$c/@ref"/></h1>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>
<p class="state state-{$c/@state}"><strong><xsl:value-of select="i:t(concat('state.', $c/@state))"/></strong></p>

<section aria-labelledby="h-actions">
<h2 id="h-actions"><xsl:value-of select="i:t('office.actions')"/></h2>
<xsl:variable name="sup" select="$c/@role = 'supervisor'"/>
<xsl:choose>
<xsl:when test="$c/@state = 'submitted'">
<xsl:call-template name="action"><xsl:with-param name="name" select="'pay'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
<xsl:call-template name="action"><xsl:with-param name="name" select="'request_info'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
<xsl:call-template name="action"><xsl:with-param name="name" select="'reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'more_info'">
<xsl:call-template name="action"><xsl:with-param name="name" select="'reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'paid'">
<xsl:call-template name="action"><xsl:with-param name="name" select="'record_biometrics'"/></xsl:call-template>
<xsl:if test="$sup">
<xsl:call-template name="action"><xsl:with-param name="name" select="'defer_biometrics'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:if>
<xsl:call-template name="action"><xsl:with-param name="name" select="'reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'biometrics_done'">
<xsl:call-template name="action"><xsl:with-param name="name" select="'request_clearance'"/></xsl:call-template>
<xsl:call-template name="action"><xsl:with-param name="name" select="'reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'cleared' and not($c/proposal)">
<xsl:call-template name="action"><xsl:with-param name="name" select="'propose_issue'"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'cleared' and $c/proposal">
<p><xsl:value-of select="i:t('office.proposed_by')"/><xsl:text> </xsl:text><xsl:value-of select="$c/proposal/@proposed-by"/>
<xsl:text>, </xsl:text><xsl:value-of select="translate($c/proposal/@at, 'T', ' ')"/></p>
<xsl:choose>
<xsl:when test="$c/proposal/@mine = 'true'"><p><xsl:value-of select="i:t('office.four_eyes')"/></p></xsl:when>
<xsl:when test="$sup">
<xsl:call-template name="action"><xsl:with-param name="name" select="'issue'"/></xsl:call-template>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.needs_supervisor')"/></p></xsl:otherwise>
</xsl:choose>
</xsl:when>
<xsl:when test="$c/@state = 'referred'">
<p><xsl:value-of select="i:t('office.hit')"/></p>
<dl class="hit">
<dt><xsl:value-of select="i:t('office.hit.reference')"/></dt><dd><xsl:value-of select="$c/clearance/@reference"/></dd>
<dt><xsl:value-of select="i:t('office.hit.reason')"/></dt><dd><xsl:value-of select="$c/clearance/@reason"/></dd>
</dl>
<xsl:variable name="d" select="$c/proposal"/>
<xsl:choose>
<xsl:when test="not($d)">
<xsl:call-template name="action"><xsl:with-param name="name" select="'propose_clear'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
<xsl:call-template name="action"><xsl:with-param name="name" select="'propose_reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:otherwise>
<p><xsl:value-of select="i:t('office.decision.proposed_by')"/><xsl:text> </xsl:text><xsl:value-of select="$d/@proposed-by"/>
<xsl:text>, </xsl:text><xsl:value-of select="translate($d/@at, 'T', ' ')"/></p>
<dl class="decision">
<dt><xsl:value-of select="i:t('office.decision.label')"/></dt><dd><xsl:value-of select="i:t(concat('office.decision.', $d/@command))"/></dd>
<dt><xsl:value-of select="i:t('office.decision.reason')"/></dt><dd><xsl:value-of select="$d/@reason"/></dd>
</dl>
<xsl:choose>
<xsl:when test="$d/@mine = 'true'"><p><xsl:value-of select="i:t('office.decision.mine')"/></p></xsl:when>
<xsl:otherwise>
<xsl:call-template name="action"><xsl:with-param name="name" select="'confirm_decision'"/></xsl:call-template>
</xsl:otherwise>
</xsl:choose>
</xsl:otherwise>
</xsl:choose>
</xsl:when>
<xsl:when test="$c/@state = 'issued' and $sup">
<xsl:call-template name="action"><xsl:with-param name="name" select="'cancel'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.no_actions')"/></p></xsl:otherwise>
</xsl:choose>
</section>

<xsl:if test="$c/permit">
<section aria-labelledby="h-permit">
<h2 id="h-permit"><xsl:value-of select="i:t('office.permit')"/></h2>
<p><xsl:value-of select="$c/permit/@number"/>: <xsl:value-of select="$c/permit/@valid-from"/> – <xsl:value-of select="$c/permit/@valid-to"/></p>
<xsl:if test="$c/permit/@revoked-reason"><p><xsl:value-of select="i:t('verify.reason')"/>: <xsl:value-of select="$c/permit/@revoked-reason"/></p></xsl:if>
<xsl:choose>
<xsl:when test="$c/permit/@printed = 'true'">
<p><a href="/office/case/{$c/@ref}/permit.pdf"><xsl:value-of select="i:t('office.permit.download')"/></a></p>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('case.permit.wait')"/></p></xsl:otherwise>
</xsl:choose>
</section>
</xsl:if>

<section aria-labelledby="h-applicant">
<h2 id="h-applicant"><xsl:value-of select="i:t('office.applicant')"/></h2>
<dl>
<dt><xsl:value-of select="i:t('apply.family')"/></dt><dd><xsl:value-of select="$c/applicant/@family"/></dd>
<dt><xsl:value-of select="i:t('apply.given')"/></dt><dd><xsl:value-of select="$c/applicant/@given"/></dd>
<dt><xsl:value-of select="i:t('apply.birth')"/></dt><dd><xsl:value-of select="$c/applicant/@birth"/></dd>
<dt><xsl:value-of select="i:t('apply.nationality')"/></dt><dd><xsl:value-of select="$c/applicant/@nationality"/></dd>
<dt><xsl:value-of select="i:t('apply.passport')"/></dt><dd><xsl:value-of select="$c/applicant/@passport"/></dd>
<dt><xsl:value-of select="i:t('apply.expiry')"/></dt><dd><xsl:value-of select="$c/applicant/@passport-expiry"/></dd>
<dt><xsl:value-of select="i:t('apply.kind')"/></dt><dd><xsl:value-of select="i:t(concat('kind.', $c/@kind))"/></dd>
<dt><xsl:value-of select="i:t('apply.level')"/></dt><dd><xsl:value-of select="i:t(concat('level.', $c/@level))"/></dd>
<dt><xsl:value-of select="i:t('case.sponsor_name')"/></dt><dd><xsl:value-of select="$c/@sponsor-name"/><xsl:text> </xsl:text><xsl:value-of select="$c/@sponsor-ref"/></dd>
<xsl:if test="$c/billing">
<dt><xsl:value-of select="i:t('office.billing')"/></dt><dd><xsl:value-of select="$c/billing/@code"/> (<xsl:value-of select="$c/billing/@amount"/>)
<xsl:if test="$c/billing/@paid = 'true'"><xsl:text> </xsl:text><xsl:value-of select="i:t('office.paid')"/></xsl:if></dd>
</xsl:if>
<xsl:if test="$c/clearance">
<dt><xsl:value-of select="i:t('office.clearance')"/></dt><dd><xsl:value-of select="$c/clearance/@result"/>
<xsl:text> </xsl:text><xsl:value-of select="translate($c/clearance/@checked, 'T', ' ')"/>
<xsl:text> </xsl:text><xsl:value-of select="$c/clearance/@reason"/></dd>
</xsl:if>
</dl>
</section>

<section aria-labelledby="h-docs">
<h2 id="h-docs"><xsl:value-of select="i:t('case.documents')"/></h2>
<ul>
<xsl:for-each select="$c/document">
<li><xsl:value-of select="i:t(concat('doc.', @type))"/>: <xsl:value-of select="@filename"/> (<xsl:value-of select="@size"/> B)</li>
</xsl:for-each>
</ul>
</section>

<section aria-labelledby="h-history">
<h2 id="h-history"><xsl:value-of select="i:t('case.history')"/></h2>
<div class="table-wrap">
<table>
<thead><tr>
<th scope="col"><xsl:value-of select="i:t('office.step')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.who')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.happened')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.recorded')"/></th>
</tr></thead>
<tbody>
<xsl:for-each select="$c/step">
<tr>
<th scope="row"><xsl:value-of select="i:t(concat('state.', @state))"/>
<xsl:if test="@reason"><br/><xsl:value-of select="@reason"/></xsl:if></th>
<td><xsl:value-of select="@who"/></td>
<td><xsl:value-of select="translate(@at, 'T', ' ')"/></td>
<td><xsl:value-of select="translate(@recorded, 'T', ' ')"/></td>
</tr>
</xsl:for-each>
</tbody>
</table>
</div>
</section>
</xsl:template>

</xsl:stylesheet>
