<?xml version="1.0" encoding="UTF-8"?>
<!--
  One case in the back office: its record (applicant, sponsor, documents,
  every step with who did it, when it happened and when it was recorded,
  billing, clearance, the permit) and the actions its step allows.  An
  admin reads it all and is offered no action and no biometrics form
  (the database would refuse them anyway).
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
<p><xsl:value-of select="$c/@office"/></p>
<xsl:if test="notice">
<div class="alert" role="alert"><p><xsl:value-of select="i:t(notice/@key)"/></p></div>
</xsl:if>
<p class="state state-{$c/@state}"><strong><xsl:value-of select="i:t(concat('state.', $c/@state))"/></strong></p>

<section aria-labelledby="h-actions">
<h2 id="h-actions"><xsl:value-of select="i:t('office.actions')"/></h2>
<xsl:variable name="sup" select="$c/@role = 'supervisor'"/>
<xsl:choose>
<xsl:when test="$c/@role = 'admin'"><p><xsl:value-of select="i:t('office.read_only')"/></p></xsl:when>
<xsl:when test="$c/@state = 'submitted'">
<xsl:variable name="d" select="$c/proposal"/>
<xsl:choose>
<xsl:when test="not($d)">
<xsl:call-template name="action"><xsl:with-param name="name" select="'propose_payment'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:otherwise>
<p><xsl:value-of select="i:t('office.receipt.recorded_by')"/><xsl:text> </xsl:text><xsl:value-of select="$d/@proposed-by"/>
<xsl:text>, </xsl:text><xsl:value-of select="translate($d/@at, 'T', ' ')"/></p>
<dl class="receipt">
<dt><xsl:value-of select="i:t('office.receipt.number')"/></dt><dd><xsl:value-of select="$d/@reason"/></dd>
</dl>
<xsl:choose>
<xsl:when test="$d/@mine = 'true'"><p><xsl:value-of select="i:t('office.receipt.mine')"/></p></xsl:when>
<xsl:when test="$sup">
<xsl:call-template name="action"><xsl:with-param name="name" select="'confirm_payment'"/></xsl:call-template>
</xsl:when>
<xsl:otherwise><p><xsl:value-of select="i:t('office.receipt.needs_supervisor')"/></p></xsl:otherwise>
</xsl:choose>
</xsl:otherwise>
</xsl:choose>
<xsl:call-template name="action"><xsl:with-param name="name" select="'request_info'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
<xsl:call-template name="action"><xsl:with-param name="name" select="'reject'"/><xsl:with-param name="reason" select="true()"/></xsl:call-template>
</xsl:when>
<xsl:when test="$c/@state = 'more_info'">
<!-- The transition table lets an officer, not a supervisor, record what was brought. -->
<xsl:if test="$c/@role = 'officer'">
<xsl:call-template name="action"><xsl:with-param name="name" select="'provide_info'"/></xsl:call-template>
</xsl:if>
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

<xsl:call-template name="biometrics"><xsl:with-param name="c" select="$c"/></xsl:call-template>

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
<li><xsl:value-of select="i:t(concat('doc.', @type))"/>: <a href="/office/case/{$c/@ref}/document/{@type}"><xsl:value-of select="@filename"/></a> (<xsl:value-of select="@size"/> B)</li>
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
<th scope="row"><xsl:call-template name="step-name"/>
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

<!--
  Biometrics and interview: what is recorded (never the data itself),
  and at step paid the forms that record it.  Each form posts to its own
  handler (kore/biometrics.c), which seals before storing.
-->
<xsl:template name="biometrics">
<xsl:param name="c"/>
<xsl:variable name="b" select="$c/biometrics"/>
<xsl:if test="$c/@state = 'paid' or $b/photo or $b/finger or $b/interview">
<section aria-labelledby="h-bio">
<h2 id="h-bio"><xsl:value-of select="i:t('office.bio')"/></h2>
<dl class="bio">
<dt><xsl:value-of select="i:t('office.bio.photo')"/></dt>
<dd id="bio-photo"><xsl:choose>
<xsl:when test="$b/photo"><xsl:value-of select="i:t('office.bio.recorded')"/><xsl:text> </xsl:text><xsl:value-of select="translate($b/photo/@at, 'T', ' ')"/><xsl:text>, </xsl:text><xsl:value-of select="i:t('office.bio.by')"/><xsl:text> </xsl:text><xsl:value-of select="$b/photo/@who"/> (<xsl:value-of select="$b/photo/@content-type"/>, <xsl:value-of select="$b/photo/@size"/> B)</xsl:when>
<xsl:otherwise><xsl:value-of select="i:t('office.bio.none')"/></xsl:otherwise>
</xsl:choose></dd>
<dt><xsl:value-of select="i:t('office.bio.fingers')"/></dt>
<dd id="bio-fingers"><xsl:value-of select="$b/@fingers"/><xsl:text> </xsl:text><xsl:value-of select="i:t('office.bio.fingers.count')"/></dd>
<dt><xsl:value-of select="i:t('office.bio.interview')"/></dt>
<dd id="bio-interview"><xsl:choose>
<xsl:when test="$b/interview"><xsl:value-of select="i:t('office.bio.recorded')"/><xsl:text> </xsl:text><xsl:value-of select="translate($b/interview/@at, 'T', ' ')"/><xsl:text>, </xsl:text><xsl:value-of select="i:t('office.bio.by')"/><xsl:text> </xsl:text><xsl:value-of select="$b/interview/@who"/></xsl:when>
<xsl:otherwise><xsl:value-of select="i:t('office.bio.none')"/></xsl:otherwise>
</xsl:choose></dd>
</dl>
<xsl:if test="$c/@state = 'paid' and not($c/@role = 'admin')">
<xsl:if test="$b/@complete != 'true'"><p><xsl:value-of select="i:t('office.bio.incomplete')"/></p></xsl:if>

<h3><xsl:value-of select="i:t('office.bio.photo')"/></h3>
<form method="post" action="/office/case/{$c/@ref}/photo" enctype="multipart/form-data">
<xsl:call-template name="csrf"/>
<div class="field">
<label for="bio-photo-file"><xsl:value-of select="i:t('office.bio.photo.file')"/></label>
<input type="file" id="bio-photo-file" name="photo" accept="image/jpeg,image/png"/>
</div>
<button type="submit"><xsl:value-of select="i:t('office.bio.photo.do')"/></button>
</form>

<h3><xsl:value-of select="i:t('office.bio.fingers')"/></h3>
<form method="post" action="/office/case/{$c/@ref}/fingers" enctype="multipart/form-data">
<xsl:call-template name="csrf"/>
<p><xsl:value-of select="i:t('office.bio.fingers.help')"/></p>
<div class="table-wrap">
<table>
<thead><tr>
<th scope="col"><xsl:value-of select="i:t('office.bio.finger')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.bio.recorded')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.bio.quality')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.bio.template')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.bio.exception')"/></th>
<th scope="col"><xsl:value-of select="i:t('office.bio.note')"/></th>
</tr></thead>
<tbody>
<xsl:call-template name="finger-row"><xsl:with-param name="b" select="$b"/></xsl:call-template>
</tbody>
</table>
</div>
<button type="submit"><xsl:value-of select="i:t('office.bio.fingers.do')"/></button>
</form>

<h3><xsl:value-of select="i:t('office.bio.interview')"/></h3>
<form method="post" action="/office/case/{$c/@ref}/interview" enctype="multipart/form-data">
<xsl:call-template name="csrf"/>
<div class="field">
<label for="bio-notes"><xsl:value-of select="i:t('office.bio.interview')"/></label>
<textarea id="bio-notes" name="notes" rows="6" maxlength="2000" aria-describedby="bio-notes-help"></textarea>
<p id="bio-notes-help"><xsl:value-of select="i:t('office.bio.interview.help')"/></p>
</div>
<button type="submit"><xsl:value-of select="i:t('office.bio.interview.do')"/></button>
</form>
</xsl:if>
</section>
</xsl:if>
</xsl:template>

<!-- Finger rows pos..10 (XSLT 1.0 has no range: one row, then the rest). -->
<xsl:template name="finger-row">
<xsl:param name="b"/>
<xsl:param name="pos" select="1"/>
<xsl:variable name="name" select="i:t(concat('office.bio.finger.', $pos))"/>
<xsl:variable name="f" select="$b/finger[@position = $pos]"/>
<tr>
<th scope="row"><xsl:value-of select="$name"/></th>
<td><xsl:choose>
<xsl:when test="$f/@exception"><xsl:value-of select="i:t(concat('office.bio.exception.', $f/@exception))"/><xsl:if test="$f/@note">: <xsl:value-of select="$f/@note"/></xsl:if></xsl:when>
<xsl:when test="$f"><xsl:value-of select="$f/@quality"/></xsl:when>
<xsl:otherwise>–</xsl:otherwise>
</xsl:choose></td>
<td><label for="q{$pos}" class="visually-hidden"><xsl:value-of select="concat($name, ': ', i:t('office.bio.quality'))"/></label>
<input type="number" id="q{$pos}" name="q{$pos}" min="0" max="100" size="3"/></td>
<td><label for="t{$pos}" class="visually-hidden"><xsl:value-of select="concat($name, ': ', i:t('office.bio.template'))"/></label>
<input type="text" id="t{$pos}" name="t{$pos}" autocomplete="off" spellcheck="false"/></td>
<td><label for="x{$pos}" class="visually-hidden"><xsl:value-of select="concat($name, ': ', i:t('office.bio.exception'))"/></label>
<select id="x{$pos}" name="x{$pos}">
<option value=""><xsl:value-of select="i:t('office.bio.exception.none')"/></option>
<option value="amputated"><xsl:value-of select="i:t('office.bio.exception.amputated')"/></option>
<option value="bandaged"><xsl:value-of select="i:t('office.bio.exception.bandaged')"/></option>
<option value="scarred"><xsl:value-of select="i:t('office.bio.exception.scarred')"/></option>
<option value="other"><xsl:value-of select="i:t('office.bio.exception.other')"/></option>
</select></td>
<td><label for="n{$pos}" class="visually-hidden"><xsl:value-of select="concat($name, ': ', i:t('office.bio.note'))"/></label>
<input type="text" id="n{$pos}" name="n{$pos}" maxlength="200" autocomplete="off"/></td>
</tr>
<xsl:if test="$pos &lt; 10">
<xsl:call-template name="finger-row"><xsl:with-param name="b" select="$b"/><xsl:with-param name="pos" select="$pos + 1"/></xsl:call-template>
</xsl:if>
</xsl:template>

</xsl:stylesheet>
