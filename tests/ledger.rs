//! The amount due follows from the payment ledger (issue "Hardening", item
//! 12): no command and no direct SQL can make a contract disagree with its
//! payments; management's adjustments are explicit, reasoned and audited;
//! `doctor` checks the invariant.

mod common;

use common::*;

fn due_of(env: &Env, id: i64) -> String {
    let v = env.json(&["contract", "show", &id.to_string(), "--format", "json"]);
    v["amount_due"].as_str().expect("amount_due").to_string()
}

on_both! {
    fn a_sales_rep_cannot_set_the_amount_due(backend) {
        let env = Env::staffed_on(backend);
        let id = env.contract_for_sales1(5000);
        // No payment is recorded: the rep may not write the debt off ...
        let out = env.run(
            &[
                "contract",
                "update",
                &id.to_string(),
                "--due",
                "0",
                "--reason",
                "paid cash",
            ],
            "",
        );
        assert_code(&out, 4);
        assert!(stderr(&out).contains("only management"), "{}", stderr(&out));
        // ... nor without a reason, which names the field.
        let out = env.run(&["contract", "update", &id.to_string(), "--due", "0"], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--reason"), "{}", stderr(&out));
        assert_eq!(due_of(&env, id), "5000.00");
        assert_eq!(env.sql_i64("SELECT count(*) FROM payments"), 0);
    }

    fn a_payment_then_a_raised_total_keeps_the_ledger(backend) {
        let env = Env::staffed_on(backend);
        let id = env.contract_for_sales1(5000);
        let sid = id.to_string();
        assert_ok(&env.run(&["contract", "pay", &sid, "1500"], ""));
        assert_eq!(due_of(&env, id), "3500.00");
        // The total moves; the amount due follows: 8000 − 1500.
        assert_ok(&env.run(&["contract", "update", &sid, "--total", "8000"], ""));
        assert_eq!(due_of(&env, id), "6500.00");
        // A total below what was paid is refused, naming the field.
        let out = env.run(&["contract", "update", &sid, "--total", "1000"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains("--total"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("1500.00 already paid"),
            "{}",
            stderr(&out)
        );
        assert_eq!(due_of(&env, id), "6500.00");
    }

    fn management_adjusts_with_a_reason_kept_in_ledger_and_audit(backend) {
        let env = Env::staffed_on(backend);
        let id = env.contract_for_sales1(5000);
        let sid = id.to_string();
        assert_ok(&env.run(&["contract", "pay", &sid, "1000"], ""));
        env.login("admin@epic.test");
        let out = env.run(
            &[
                "contract",
                "update",
                &sid,
                "--due",
                "3000",
                "--reason",
                "goodwill rebate",
            ],
            "",
        );
        assert_ok(&out);
        assert_eq!(due_of(&env, id), "3000.00");
        // Raising it back (a payment recorded by mistake) is an adjustment too.
        assert_ok(&env.run(
            &[
                "contract",
                "update",
                &sid,
                "--due",
                "4500",
                "--reason",
                "cheque bounced",
            ],
            "",
        ));
        assert_eq!(due_of(&env, id), "4500.00");
        let rows = env.sql_rows("SELECT kind, amount_cents, reason FROM payments ORDER BY id");
        assert_eq!(
            rows,
            [
                ["payment", "100000", "NULL"],
                ["adjustment", "100000", "goodwill rebate"],
                ["adjustment", "-150000", "cheque bounced"],
            ]
        );
        let audit = env.sql_rows(
            "SELECT detail FROM audit_log WHERE entity = 'contract' AND action = 'update'
             ORDER BY id LIMIT 1",
        );
        assert!(audit[0][0].contains("goodwill rebate"), "{audit:?}");
        // An amount due above the total is still refused.
        let out = env.run(
            &[
                "contract", "update", &sid, "--due", "5000.01", "--reason", "x",
            ],
            "",
        );
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--due"), "{}", stderr(&out));
    }

    fn a_deposit_at_creation_is_a_payment_in_the_ledger(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let out = env.run(
            &[
                "client",
                "add",
                "--name",
                "Dep Client",
                "--email",
                "dep@client.test",
            ],
            "",
        );
        assert_ok(&out);
        let client = stdout(&out).trim().to_string();
        env.login("admin@epic.test");
        let out = env.run(
            &[
                "contract", "add", "--client", &client, "--total", "1000", "--due", "400",
            ],
            "",
        );
        assert_ok(&out);
        let id: i64 = stdout(&out).trim().parse().unwrap();
        assert_eq!(due_of(&env, id), "400.00");
        assert_eq!(
            env.sql_i64("SELECT sum(amount_cents) FROM payments WHERE kind = 'payment'"),
            60_000
        );
    }

    fn direct_sql_cannot_break_the_ledger_and_doctor_sees_a_tampered_file(backend) {
        let env = Env::staffed_on(backend);
        let id = env.contract_for_sales1(5000);
        assert_ok(&env.run(&["contract", "pay", &id.to_string(), "500"], ""));
        let epoch = if env.is_pg() { "'1970-01-01Z'" } else { "0" };
        let insert = format!(
            "INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
             VALUES (1, 100, 0, {epoch}, {epoch})"
        );
        for sql in [
            "UPDATE contracts SET due_cents = 0",
            "UPDATE contracts SET total_cents = total_cents + 100",
            "UPDATE payments SET amount_cents = 1",
            "DELETE FROM payments",
            insert.as_str(),
        ] {
            let err = env.sql_exec(sql).expect_err(sql);
            assert!(
                err.contains("amount_due") || err.contains("append-only"),
                "{sql}: {err}"
            );
        }
        env.login("admin@epic.test");
        let out = env.run(&["doctor"], "");
        assert_ok(&out);
        // Someone with the file (or the server's superuser) switches the
        // guard off and rewrites the amount due.
        let (tamper, guard) = if env.is_pg() {
            (
                "ALTER TABLE contracts DISABLE TRIGGER contracts_rules;
                 UPDATE contracts SET due_cents = 0;",
                "contracts_rules",
            )
        } else {
            (
                "DROP TRIGGER trg_contracts_due_follows_ledger;
                 UPDATE contracts SET due_cents = 0;",
                "trg_contracts_due_follows_ledger",
            )
        };
        env.sql_exec(tamper).unwrap();
        let out = env.run(&["doctor"], "");
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_ne!(code(&out), 0, "{text}");
        assert!(text.contains(guard), "{text}");
        assert!(
            text.contains(&format!("contract {id}: amount due 0 cents")),
            "{text}"
        );
    }
}
