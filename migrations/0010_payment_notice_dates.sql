-- Payment notices and the dates they carry (replaces 0009's function;
-- only these lines differ):
-- * a notice dated before its billing code existed is not a payment of
--   that code: refused (5 minutes of clock skew allowed, as for a notice
--   from the future);
-- * a payment made in time is honoured even when its notice arrives late,
--   after the code expired and the applicant renewed it: a code counts as
--   void only from the moment it was voided, and accepting the old code's
--   payment voids its unpaid replacement so it cannot be paid twice.

CREATE OR REPLACE FUNCTION exchange_payment_notice(p_partner integer, p_message_id text,
    p_keyid text, p_digest text, p_signature bytea, p_body text,
    p_code text, p_amount bigint, p_paid_at timestamptz, p_bank_ref text,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (status integer, answer text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	pre	record;
	b	billing_codes%ROWTYPE;
	c	cases%ROWTYPE;
	pa	partners%ROWTYPE;
	r	case_result;
	st	integer := 200;
	err	text;
	msg	text;
	ans	text;
BEGIN
	pre := exchange_prelude(p_partner, p_message_id, 'payment-notice',
	    p_keyid, p_signature, p_now);
	IF pre.status IS NOT NULL THEN
		IF NOT pre.replayed THEN
			PERFORM exchange_log(p_partner, p_message_id,
			    'payment-notice', p_keyid, p_digest, p_signature,
			    p_body, pre.status, 'refused', pre.answer, p_now);
		END IF;
		RETURN QUERY SELECT pre.status, pre.answer;
		RETURN;
	END IF;
	SELECT * INTO pa FROM partners WHERE id = p_partner;
	SELECT * INTO b FROM billing_codes WHERE code = p_code FOR UPDATE;
	IF FOUND THEN
		SELECT * INTO c FROM cases WHERE id = b.case_id;
	END IF;
	IF NOT FOUND OR (pa.offices IS NOT NULL AND
	    NOT c.office_id = ANY(pa.offices)) THEN
		st := 422; err := 'unknown_code'; msg := 'no such billing code';
	ELSIF b.void_at <= p_paid_at OR b.expires_at < p_paid_at THEN
		st := 422; err := 'expired_code';
		msg := 'the billing code had expired when it was paid';
	ELSIF b.paid_at IS NOT NULL THEN
		st := 422; err := 'already_paid';
		msg := 'the billing code was paid before';
	ELSIF p_amount <> b.amount THEN
		st := 422; err := 'wrong_amount';
		msg := format('amount %s, the code asks %s', p_amount, b.amount);
	ELSIF p_paid_at > p_now + interval '5 minutes' THEN
		st := 422; err := 'invalid_input'; msg := 'paidAt is in the future';
	ELSIF p_paid_at < b.created_at - interval '5 minutes' THEN
		st := 422; err := 'invalid_input';
		msg := 'paidAt is before the billing code was issued';
	ELSE
		r := case_apply(pa.account_id, c.id, 'pay', c.version,
		    'exchange:' || p_message_id, least(p_paid_at, p_now),
		    jsonb_build_object('billing_code', p_code, 'bank_ref',
		    p_bank_ref, 'message_id', p_message_id));
		IF r.code <> 'ok' THEN
			st := 409; err := r.code;
			msg := 'the case is not waiting for this payment';
		ELSE
			UPDATE billing_codes SET paid_at = p_paid_at,
			    paid_amount = p_amount, bank_ref = p_bank_ref
			    WHERE code = b.code;
			UPDATE billing_codes SET void_at = p_now
			    WHERE case_id = c.id AND code <> b.code AND
			    paid_at IS NULL AND void_at IS NULL;
			SELECT * INTO c FROM cases WHERE id = c.id;
		END IF;
	END IF;
	ans := exchange_answer(p_message_id, CASE WHEN st = 200 THEN
	    'accepted' ELSE 'rejected' END, err, msg,
	    CASE WHEN err IS NOT NULL THEN '/paymentNotice' END,
	    CASE WHEN st = 200 THEN c END);
	PERFORM exchange_log(p_partner, p_message_id, 'payment-notice',
	    p_keyid, p_digest, p_signature, p_body, st, err, ans, p_now);
	RETURN QUERY SELECT st, ans;
END
$$;
