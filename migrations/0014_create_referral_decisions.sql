-- Four eyes on the decisions an office takes alone.  A case that
-- central's watch-list check referred (a possible match) is cleared or
-- rejected only when one officer or supervisor of the office proposes the
-- decision with a reason and a different one confirms it.
-- decision_propose() and decision_confirm() do it the way permit_propose()
-- and permit_issue() do issuing.  A payment receipt recorded by hand (the
-- state billing system's notice cannot arrive) pays a case only when a
-- supervisor other than the one who recorded it confirms it:
-- payment_propose() and payment_confirm().  A deferred constraint trigger
-- makes sure that no other path (the bare case_apply(), an operator's
-- psql) can commit such a decision or payment without its confirmed
-- proposal; the billing partner's own payment notice needs none.

ALTER TABLE proposals DROP CONSTRAINT proposals_command_check,
    ADD CONSTRAINT proposals_command_check
	CHECK (command IN ('issue', 'decide_clear', 'decide_reject', 'pay')),
    -- The reason goes to the record and, for a rejection, the applicant.
    ADD CONSTRAINT proposals_decision_reason
	CHECK (command = 'issue' OR length(btrim(reason)) > 0);

-- One pending decision per case, whichever way it goes.
CREATE UNIQUE INDEX proposals_one_pending_decision ON proposals (case_id)
    WHERE status = 'pending' AND command IN ('decide_clear', 'decide_reject');

-- A receipt pays one case: its number (trimmed, in capitals) is in at
-- most one pending or confirmed receipt, whichever case it was recorded
-- for.  A receipt that lapsed (superseded or declined) paid nothing, so
-- its number may be recorded again, for the case it really belongs to.
CREATE UNIQUE INDEX proposals_one_receipt ON proposals ((upper(btrim(reason))))
    WHERE command = 'pay' AND status IN ('pending', 'confirmed');

-- A decide_* or pay event commits only with the proposal it carries
-- out: confirmed by the event's actor, proposed by someone else, on the
-- version the decision was taken from; a payment confirmed by a
-- supervisor.  A partner's pay is the billing system's payment notice
-- and needs no proposal.  Checked at commit, when the proposal row has
-- its final state; at commit the definer's rights are gone, so the check
-- carries its own.
CREATE FUNCTION decisions_confirmed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	actor	account_role := (SELECT role FROM accounts
	    WHERE id = NEW.actor_id);
BEGIN
	IF NEW.command = 'pay' AND actor = 'partner' THEN
		RETURN NULL;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM proposals q
	    WHERE q.case_id = NEW.case_id AND q.command = NEW.command AND
	    q.status = 'confirmed' AND q.decided_by = NEW.actor_id AND
	    q.proposed_by <> NEW.actor_id AND
	    q.case_version = NEW.version - 1) OR
	    NEW.command = 'pay' AND actor <> 'supervisor' THEN
		RAISE EXCEPTION 'case % %: not confirmed by a second person',
		    NEW.case_id, NEW.command USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER case_events_decision_confirmed
    AFTER INSERT ON case_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.command IN ('decide_clear', 'decide_reject'))
    EXECUTE FUNCTION decisions_confirmed();
CREATE CONSTRAINT TRIGGER case_events_receipt_confirmed
    AFTER INSERT ON case_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.command = 'pay')
    EXECUTE FUNCTION decisions_confirmed();

-- Confirming the pending proposal of p_group, the part decisions and
-- receipts share: a repeated confirmation answers as the first one did;
-- the confirmer is of the office, not the proposer (same_person), and
-- of a role in p_confirmers (forbidden); a proposal made on an older
-- version of the case, or a case no longer in p_state, lapses
-- (proposal_stale).  The command is applied by the confirmer with the
-- proposal's reason (under p_reason_key), id and proposer in the event,
-- and the proposal is confirmed.
CREATE FUNCTION proposal_confirm(p_actor bigint, p_case bigint,
    p_group text[], p_state case_state, p_confirmers account_role[],
    p_expected integer, p_idem_key text, p_reason_key text,
    p_now timestamptz)
RETURNS case_result
LANGUAGE plpgsql AS $$
DECLARE
	c	cases%ROWTYPE;
	p	proposals%ROWTYPE;
	e	case_events%ROWTYPE;
	r	case_result;
BEGIN
	IF p_expected IS NULL THEN
		RETURN case_fail('invalid_input');
	END IF;
	SELECT * INTO c FROM cases WHERE cases.id = p_case FOR UPDATE;
	IF NOT FOUND THEN
		RETURN case_fail('not_found');
	END IF;
	IF p_idem_key IS NOT NULL THEN
		SELECT * INTO e FROM case_events x WHERE x.actor_id = p_actor AND
		    x.idem_key = p_idem_key AND x.case_id = c.id AND
		    x.command = ANY (p_group);
		IF FOUND THEN
			RETURN ('ok', c.id, c.reference, e.to_state, e.version,
			    e.id, true)::case_result;
		END IF;
	END IF;
	IF (permit_staff(p_actor, c, '{officer,supervisor}')).id IS NULL THEN
		RETURN case_fail('forbidden', c);
	END IF;
	IF c.version <> p_expected THEN
		RETURN case_fail('version_conflict', c);
	END IF;
	SELECT * INTO p FROM proposals q WHERE q.case_id = c.id AND
	    q.command = ANY (p_group) AND q.status = 'pending' FOR UPDATE;
	IF NOT FOUND THEN
		RETURN case_fail('no_proposal', c);
	END IF;
	IF p.proposed_by = p_actor THEN
		RETURN case_fail('same_person', c);
	END IF;
	IF (permit_staff(p_actor, c, p_confirmers)).id IS NULL THEN
		RETURN case_fail('forbidden', c);
	END IF;
	IF p.case_version <> c.version OR c.state <> p_state THEN
		UPDATE proposals SET status = 'superseded', decided_at = p_now
		    WHERE proposals.id = p.id;
		RETURN case_fail('proposal_stale', c);
	END IF;

	r := case_apply(p_actor, c.id, p.command, p_expected, p_idem_key,
	    p_now, jsonb_build_object(p_reason_key, p.reason, 'proposal', p.id,
	    'proposed_by', p.proposed_by));
	IF r.code = 'ok' THEN
		UPDATE proposals SET status = 'confirmed', decided_by = p_actor,
		    decided_at = p_now WHERE proposals.id = p.id;
	END IF;
	RETURN r;
END
$$;

-- An officer or supervisor of the office proposes to clear or reject a
-- referred case, with a reason.
CREATE FUNCTION decision_propose(p_actor bigint, p_case bigint,
    p_command text, p_expected integer, p_reason text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, proposal bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	why	text := btrim(coalesce(p_reason, ''));
BEGIN
	IF p_command IS NULL OR
	    p_command NOT IN ('decide_clear', 'decide_reject') OR
	    p_expected IS NULL THEN
		RETURN QUERY SELECT 'invalid_input', NULL::bigint;
	ELSIF length(why) NOT BETWEEN 1 AND 500 OR why ~ '[[:cntrl:]]' THEN
		RETURN QUERY SELECT 'reason_required', NULL::bigint;
	ELSE
		RETURN QUERY SELECT * FROM proposal_open(p_actor, p_case,
		    p_command, '{decide_clear,decide_reject}', 'referred',
		    p_expected, why, p_now);
	END IF;
END
$$;

-- Another officer or supervisor of the office confirms the pending
-- decision: the case is cleared or rejected by the confirmer.
CREATE FUNCTION decision_confirm(p_actor bigint, p_case bigint,
    p_expected integer, p_idem_key text, p_now timestamptz DEFAULT now())
RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN proposal_confirm(p_actor, p_case, '{decide_clear,decide_reject}',
	    'referred', '{officer,supervisor}', p_expected, p_idem_key,
	    'reason', p_now);
END
$$;

-- Recording receipt p_no (checked, in capitals) as proposal_open()
-- does; a number another case holds is refused (receipt_used).  Only
-- the insert, after every other check, can collide: what the caller
-- learns of other cases is only that the number is taken.
CREATE FUNCTION receipt_open(p_actor bigint, p_case bigint,
    p_expected integer, p_no text, p_now timestamptz)
RETURNS TABLE (code text, proposal bigint)
LANGUAGE plpgsql AS $$
DECLARE
	k	text;
BEGIN
	BEGIN
		SELECT o.code, o.proposal INTO code, proposal
		    FROM proposal_open(p_actor, p_case, 'pay', '{pay}',
		    'submitted', p_expected, p_no, p_now) o;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS k = CONSTRAINT_NAME;
		IF k IS DISTINCT FROM 'proposals_one_receipt' THEN
			RAISE;
		END IF;
		code := 'receipt_used';
		proposal := NULL;
	END;
	RETURN NEXT;
END
$$;

-- An officer or supervisor of the office records the receipt of a fee
-- paid outside the billing system's notice: the receipt number, checked
-- (receipt_invalid) and used by no other case (receipt_used).  A receipt
-- still pending on a case that has moved on since (withdrawn, rejected,
-- asked for more information) can never be confirmed: it lapses here, as
-- confirming it would do, and no longer holds the number.
CREATE FUNCTION payment_propose(p_actor bigint, p_case bigint,
    p_expected integer, p_receipt text, p_now timestamptz DEFAULT now())
RETURNS TABLE (code text, proposal bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	no	text := upper(btrim(coalesce(p_receipt, '')));
	r	record;
BEGIN
	IF p_expected IS NULL THEN
		RETURN QUERY SELECT 'invalid_input', NULL::bigint;
		RETURN;
	ELSIF no = '' THEN
		RETURN QUERY SELECT 'reason_required', NULL::bigint;
		RETURN;
	ELSIF no !~ '^[A-Z0-9][A-Z0-9./-]{3,39}$' THEN
		RETURN QUERY SELECT 'receipt_invalid', NULL::bigint;
		RETURN;
	END IF;
	SELECT * INTO r FROM receipt_open(p_actor, p_case, p_expected, no,
	    p_now);
	-- receipt_used comes only after the actor and the case passed.
	IF r.code = 'receipt_used' THEN
		UPDATE proposals q SET status = 'superseded', decided_at = p_now
		    FROM cases c
		    WHERE c.id = q.case_id AND q.command = 'pay' AND
		    q.status = 'pending' AND upper(btrim(q.reason)) = no AND
		    (c.version <> q.case_version OR c.state <> 'submitted');
		IF FOUND THEN
			SELECT * INTO r FROM receipt_open(p_actor, p_case,
			    p_expected, no, p_now);
		END IF;
	END IF;
	RETURN QUERY SELECT r.code, r.proposal;
END
$$;

-- A supervisor of the office, not the one who recorded it, confirms the
-- pending receipt: the case is paid by the supervisor, the receipt in
-- the event, and the open billing code settled by it.
CREATE FUNCTION payment_confirm(p_actor bigint, p_case bigint,
    p_expected integer, p_idem_key text, p_now timestamptz DEFAULT now())
RETURNS case_result
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	case_result := proposal_confirm(p_actor, p_case, '{pay}',
	    'submitted', '{supervisor}', p_expected, p_idem_key, 'receipt',
	    p_now);
BEGIN
	IF r.code = 'ok' AND NOT r.replayed THEN
		UPDATE billing_codes SET paid_at = p_now, paid_amount = amount,
		    bank_ref = 'receipt ' || (SELECT e.payload->>'receipt'
		    FROM case_events e WHERE e.id = r.event_id)
		    WHERE case_id = p_case AND paid_at IS NULL AND
		    void_at IS NULL;
	END IF;
	RETURN r;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
