#![cfg(not(target_arch = "wasm32"))]
//! The guided path (`lowrank_lab::lessons::PATH`) is truthful: every step's
//! preset, settings, chart and claim exist, and running the step as the page
//! does (the preset's config with the step's settings, the preset's claims
//! checked) shows its claim waiting while it trains and passing at the end,
//! at the preset's own sizes.
use lowrank_lab::claims::Status;
use lowrank_lab::figures::SnapshotChart;
use lowrank_lab::lessons::{self, PATH};
use lowrank_lab::run::Run;

#[test]
fn steps_have_unique_link_names_and_name_what_exists() {
    assert!(PATH.len() >= 5);
    for (i, s) in PATH.iter().enumerate() {
        assert!(
            !s.id.is_empty() && s.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "step {i}: id `{}`",
            s.id
        );
        assert!(PATH.iter().filter(|t| t.id == s.id).count() == 1, "id `{}` twice", s.id);
        assert_eq!(lessons::find(s.id), Some(s));
        let p = s.preset().unwrap_or_else(|| panic!("{}: no preset `{}`", s.id, s.preset));
        let c = s
            .claim()
            .unwrap_or_else(|| panic!("{}: preset {} has no claim starting `{}`", s.id, s.preset, s.claim));
        // The prefix names one claim, not the first of several.
        let same = lowrank_lab::claims::table::of(p.name)
            .iter()
            .filter(|d| d.text.starts_with(s.claim))
            .count();
        assert_eq!(same, 1, "{}: `{}` starts {same} claims of {}", s.id, s.claim, p.name);
        assert!(!c.text.is_empty());
        if let Some(chart) = s.chart {
            // A chart of the registry that the page draws from a snapshot.
            let known = SnapshotChart::ALL.iter().any(|c| c.key() == chart);
            assert!(known, "{}: no snapshot chart `{chart}` in the registry", s.id);
        }
        for text in [s.title, s.todo, s.expect] {
            assert!(
                !text.is_empty() && !text.contains('\\') && !text.contains('{'),
                "{}: `{text}` (TeX or empty)",
                s.id
            );
        }
    }
    assert_eq!(lessons::find("no-such-step"), None);
}

#[test]
fn every_step_claim_waits_while_training_and_passes_at_the_end() {
    for s in PATH {
        // The config the page's lesson panel loads (`lesson_config`).
        let cfg = s
            .config()
            .unwrap_or_else(|e| panic!("{}: {e}", s.id))
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", s.id));
        let mut run = Run::new(&cfg);
        run.check_claims(s.preset, None).unwrap();
        let claim = s.claim().unwrap();
        let of = |run: &Run| {
            run.claims()
                .into_iter()
                .find(|r| r.claim == claim.text)
                .unwrap_or_else(|| panic!("{}: claim `{}` does not apply to the step's run", s.id, claim.text))
        };
        let before = of(&run);
        assert_eq!(before.status, Status::Waiting, "{}: before training: {}", s.id, before.line());
        run.run_to_end();
        let after = of(&run);
        eprintln!("{}: {}", s.id, after.line());
        assert_eq!(after.status, Status::Pass, "{}: at the end: {}", s.id, after.line());
    }
}
