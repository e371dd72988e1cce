-- Demo data for `make run`: five offices, staff per office, a partner,
-- applicants, and a few dozen cases spread over the states.  Every case
-- is opened and moved through case_create()/case_apply(), the same path
-- the server uses, so the demo history is real.  Loaded once: a database
-- that already has offices is left alone.

SELECT EXISTS (SELECT 1 FROM offices) AS seeded \gset
\if :seeded
\echo demo data already loaded
\quit
\endif

BEGIN;

-- National holidays of 2026 (the lunar ones as announced; a deployment
-- loads its own list each year).
INSERT INTO holidays (day, name) VALUES
	('2026-01-01', 'Tahun Baru Masehi'),
	('2026-01-16', 'Isra Mikraj'),
	('2026-02-17', 'Tahun Baru Imlek'),
	('2026-03-19', 'Hari Suci Nyepi'),
	('2026-03-20', 'Idul Fitri'),
	('2026-03-21', 'Idul Fitri'),
	('2026-04-03', 'Wafat Yesus Kristus'),
	('2026-05-01', 'Hari Buruh'),
	('2026-05-14', 'Kenaikan Yesus Kristus'),
	('2026-05-27', 'Idul Adha'),
	('2026-05-31', 'Hari Raya Waisak'),
	('2026-06-01', 'Hari Lahir Pancasila'),
	('2026-06-16', 'Tahun Baru Islam'),
	('2026-08-17', 'Hari Kemerdekaan'),
	('2026-08-25', 'Maulid Nabi Muhammad'),
	('2026-12-25', 'Hari Raya Natal');

INSERT INTO offices (code, name, timezone) VALUES
	('SMG', 'Kantor Imigrasi Semarang', 'Asia/Jakarta'),
	('JKT', 'Kantor Imigrasi Jakarta Selatan', 'Asia/Jakarta'),
	('BTM', 'Kantor Imigrasi Batam', 'Asia/Jakarta'),
	('DPS', 'Kantor Imigrasi Denpasar', 'Asia/Makassar'),
	('PLM', 'Kantor Imigrasi Palembang', 'Asia/Jakarta');

-- The regencies and cities each office serves (a sample of the real
-- ones): the portal chooses the office from where the applicant lives.
INSERT INTO office_areas (area, office_id)
SELECT a.area, o.id FROM (VALUES
	('Kota Semarang', 'SMG'), ('Kabupaten Semarang', 'SMG'),
	('Kabupaten Kendal', 'SMG'), ('Kabupaten Demak', 'SMG'),
	('Kota Salatiga', 'SMG'),
	('Kota Jakarta Selatan', 'JKT'),
	('Kota Batam', 'BTM'),
	('Kota Denpasar', 'DPS'), ('Kabupaten Badung', 'DPS'),
	('Kabupaten Gianyar', 'DPS'), ('Kabupaten Tabanan', 'DPS'),
	('Kota Palembang', 'PLM'), ('Kabupaten Banyuasin', 'PLM'),
	('Kabupaten Ogan Ilir', 'PLM')
) AS a(area, office) JOIN offices o ON o.code = a.office;

INSERT INTO accounts (role, office_id, email, display_name)
SELECT r.role::account_role, o.id,
    lower(r.role) || '.' || lower(o.code) || '@imigrasi.example',
    initcap(r.role) || ' ' || o.code
FROM offices o CROSS JOIN (VALUES ('officer'), ('supervisor')) AS r(role);

INSERT INTO accounts (role, email, display_name) VALUES
	('admin', 'admin@imigrasi.example', 'Administrator'),
	('partner', 'billing@simponi.example', 'State billing (payment notices)'),
	('applicant', 'anna.schmidt@example.org', 'Anna Schmidt'),
	('applicant', 'kenji.tanaka@example.org', 'Kenji Tanaka'),
	('applicant', 'maria.santos@example.org', 'Maria Santos'),
	('applicant', 'david.miller@example.org', 'David Miller'),
	('applicant', 'li.wei@example.org', 'Li Wei'),
	('applicant', 'priya.sharma@example.org', 'Priya Sharma');
-- The demo applicants confirmed their addresses long ago.
UPDATE accounts SET email_confirmed_at = now() - interval '60 days'
    WHERE role = 'applicant' AND email LIKE '%@example.org';

-- Six applicants with accounts, the rest filed at the counter or by a
-- sponsor.
INSERT INTO applicants (account_id, family_name, given_names, birth_date, sex,
    nationality, passport_no, passport_expiry)
SELECT (SELECT id FROM accounts WHERE email = d.email), d.family, d.given,
    d.birth::date, d.sex, d.nat, d.passport, d.expiry::date
FROM (VALUES
	('anna.schmidt@example.org', 'SCHMIDT', 'ANNA', '1988-03-14', 'F', 'DEU', 'C01X00T47', '2032-05-01'),
	('kenji.tanaka@example.org', 'TANAKA', 'KENJI', '1979-11-02', 'M', 'JPN', 'TK4481920', '2031-01-15'),
	('maria.santos@example.org', 'SANTOS', 'MARIA CLARA', '1992-07-21', 'F', 'PHL', 'P7731994A', '2030-09-30'),
	('david.miller@example.org', 'MILLER', 'DAVID JAMES', '1958-01-30', 'M', 'AUS', 'PA9923417', '2033-02-11'),
	('li.wei@example.org', 'LI', 'WEI', '1990-05-05', 'M', 'CHN', 'E55102934', '2031-12-24'),
	('priya.sharma@example.org', 'SHARMA', 'PRIYA', '1985-09-17', 'F', 'IND', 'Z4410293', '2029-08-08'),
	(NULL, 'DUBOIS', 'CLAIRE', '1983-04-09', 'F', 'FRA', '19FA72215', '2031-03-03'),
	(NULL, 'KIM', 'MIN-JUN', '1994-12-12', 'M', 'KOR', 'M80011234', '2032-06-06'),
	(NULL, 'NGUYEN', 'VAN AN', '1987-02-28', 'M', 'VNM', 'C2288431', '2030-01-19'),
	(NULL, 'SMITH', 'JOHN', '1961-06-18', 'M', 'GBR', '533380019', '2031-10-10'),
	(NULL, 'ROSSI', 'GIULIA', '1991-08-03', 'F', 'ITA', 'YA1234567', '2032-04-04'),
	(NULL, 'OKAFOR', 'CHIDI', '1986-10-27', 'M', 'NGA', 'A09876543', '2030-11-11'),
	(NULL, 'JANSEN', 'PIETER', '1975-03-31', 'M', 'NLD', 'NX8H2K9L1', '2031-07-07'),
	(NULL, 'TAN', 'WEI LING', '1993-01-16', 'F', 'SGP', 'K1234567E', '2032-02-02'),
	(NULL, 'BROWN', 'EMILY', '1989-12-01', 'F', 'USA', '567812340', '2033-09-09'),
	(NULL, 'ALMEIDA', 'JOAO', '1980-05-22', 'M', 'PRT', 'CB123456', '2031-05-05'),
	(NULL, 'HANSEN', 'SOFIE', '1997-09-09', 'F', 'DNK', '206611223', '2032-12-12'),
	(NULL, 'PETROV', 'IVAN', '1984-07-07', 'M', 'RUS', '751234567', '2030-06-30')
) AS d(email, family, given, birth, sex, nat, passport, expiry);

-- Open one case per row and walk it to its target state, each step done
-- by the first role the transition table allows, as a real account of
-- the case's office.  No case here has biometrics (a photo made up here
-- would not open with the vault's key, and the printer needs it), so a
-- supervisor defers them, with a reason, where a real office records
-- them.
DO $$
DECLARE
	paths constant jsonb := '{
		"draft": [],
		"submitted": ["submit"],
		"more_info": ["submit", "request_info"],
		"paid": ["submit", "pay"],
		"biometrics_done": ["submit", "pay", "defer_biometrics"],
		"awaiting_clearance": ["submit", "pay", "defer_biometrics",
		    "request_clearance"],
		"referred": ["submit", "pay", "defer_biometrics",
		    "request_clearance", "clearance_hit"],
		"cleared": ["submit", "pay", "defer_biometrics",
		    "request_clearance", "clearance_clear"],
		"issued": ["submit", "pay", "defer_biometrics",
		    "request_clearance", "clearance_clear", "issue"],
		"rejected": ["submit", "reject"],
		"withdrawn": ["submit", "withdraw"],
		"cancelled": ["submit", "pay", "defer_biometrics",
		    "request_clearance", "clearance_clear", "issue", "cancel"]
	}';
	targets constant text[] := ARRAY['issued', 'awaiting_clearance',
	    'submitted', 'paid', 'biometrics_done', 'cleared', 'referred',
	    'more_info', 'draft', 'rejected', 'withdrawn', 'cancelled'];
	kinds constant permit_kind[] := ARRAY['E23', 'E31A', 'E33', 'E33G',
	    'RETIREMENT', 'E31C', 'E23', 'E31E']::permit_kind[];
	ap	record;
	o	record;
	r	case_result;
	cmd	text;
	who	bigint;
	need	account_role;
	n	integer := 0;
	step	integer;
	target	text;
	hours	integer;
BEGIN
	FOR ap IN SELECT * FROM applicants ORDER BY id LOOP
		FOR k IN 1..2 LOOP
			n := n + 1;
			target := targets[1 + (n - 1) % array_length(targets, 1)];
			-- Only the applicant can withdraw; a counter case is
			-- rejected instead.
			IF target = 'withdrawn' AND ap.account_id IS NULL THEN
				target := 'rejected';
			END IF;
			SELECT * INTO o FROM offices
			    ORDER BY id OFFSET (n - 1) % 5 LIMIT 1;
			hours := 24 * 20 - n * 9;
			who := coalesce(ap.account_id, (SELECT id FROM accounts
			    WHERE role = 'officer' AND office_id = o.id));
			r := case_create(who, o.id, ap.id,
			    kinds[1 + n % array_length(kinds, 1)],
			    (1 + n % 2)::smallint,
			    CASE WHEN n % 3 = 0 THEN 'express' ELSE 'regular' END
			    ::service_level,
			    CASE kinds[1 + n % array_length(kinds, 1)]
			    WHEN 'E23' THEN 'employer' WHEN 'E31A' THEN 'spouse'
			    WHEN 'E31C' THEN 'relative' WHEN 'E31E' THEN 'relative'
			    ELSE 'self' END,
			    'PT Contoh Sejahtera', '', 'seed-create-' || n,
			    now() - make_interval(hours => hours));
			IF r.code <> 'ok' THEN
				RAISE EXCEPTION 'seed: create %: %', n, r.code;
			END IF;
			step := 0;
			FOR cmd IN SELECT jsonb_array_elements_text(paths -> target)
			LOOP
				step := step + 1;
				SELECT t.role INTO need FROM transitions t
				    WHERE t.from_state = r.state AND t.command = cmd
				    ORDER BY array_position(ARRAY['applicant',
				    'officer', 'system', 'partner', 'supervisor'],
				    t.role::text) LIMIT 1;
				who := CASE
				    WHEN need = 'applicant' THEN ap.account_id
				    ELSE (SELECT id FROM accounts WHERE accounts.role =
				    need AND (office_id = o.id OR office_id IS NULL)
				    ORDER BY id LIMIT 1) END;
				IF who IS NULL THEN
					-- Counter cases have no applicant account:
					-- the officer acts for them.
					SELECT id INTO who FROM accounts WHERE
					    accounts.role = 'officer' AND office_id = o.id;
				END IF;
				IF cmd IN ('clearance_clear', 'clearance_hit') THEN
					-- Central's verdict, through the same path
					-- the dispatcher records answers by.
					IF clr_record((SELECT id FROM outbox WHERE
					    case_id = r.case_id AND status = 'pending'),
					    CASE cmd WHEN 'clearance_clear' THEN 'clear'
					    ELSE 'hit' END,
					    CASE cmd WHEN 'clearance_hit' THEN
					    'CKL-2026-' || lpad(n::text, 6, '0') END,
					    CASE cmd WHEN 'clearance_hit' THEN
					    'name and birth date match an entry' END,
					    now() - make_interval(hours => hours - step * 2),
					    'dispatch', now() - make_interval(hours =>
					    hours - step * 2)) <> 'ok' THEN
						RAISE EXCEPTION 'seed: case % %', n, cmd;
					END IF;
					SELECT (case_fail('ok', c)).* INTO r
					    FROM cases c WHERE c.id = r.case_id;
					CONTINUE;
				END IF;
				IF cmd = 'issue' THEN
					-- Four eyes: the officer proposes, the
					-- supervisor approves and the number is drawn.
					IF (SELECT code FROM permit_propose((SELECT id
					    FROM accounts WHERE accounts.role =
					    'officer' AND office_id = o.id), r.case_id,
					    r.version)) <> 'ok' OR (SELECT code FROM
					    permit_issue((SELECT id FROM accounts WHERE
					    accounts.role = 'supervisor' AND
					    office_id = o.id), r.case_id, r.version,
					    'seed-' || n || '-' || step)) <> 'ok' THEN
						RAISE EXCEPTION 'seed: case % issue', n;
					END IF;
					SELECT (case_fail('ok', c)).* INTO r
					    FROM cases c WHERE c.id = r.case_id;
					CONTINUE;
				END IF;
				IF cmd = 'cancel' THEN
					r := permit_cancel(who, r.case_id, r.version,
					    'The sponsor ended the employment',
					    'seed-' || n || '-' || step);
					IF r.code <> 'ok' THEN
						RAISE EXCEPTION 'seed: case % cancel: %',
						    n, r.code;
					END IF;
					CONTINUE;
				END IF;
				r := case_apply(who, r.case_id, cmd, r.version,
				    'seed-' || n || '-' || step,
				    now() - make_interval(hours => hours - step * 2),
				    CASE cmd WHEN 'defer_biometrics' THEN
				    '{"reason": "Demo data: no biometrics taken"}'
				    ELSE '{}' END::jsonb);
				IF r.code <> 'ok' THEN
					RAISE EXCEPTION 'seed: case % %: %',
					    n, cmd, r.code;
				END IF;
			END LOOP;
		END LOOP;
	END LOOP;
END
$$;

COMMIT;
