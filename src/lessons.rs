//! The guided "Start here" path through the presets (issue 19, item 3), as
//! data: each step names a preset and the settings it runs with, says what
//! to do and which chart to watch, and names the one claim of that preset
//! (by its text in `claims::table`) whose pass ends the step. The thresholds
//! live only in the claims table; a step only points at a claim.
//!
//! `tests/lessons.rs` runs every step natively as the page would (preset,
//! then `set`, claims checked) and requires its claim to be waiting while
//! it trains and to pass at the end, so the path never asks a visitor to
//! wait for something that does not happen. The science of each claim is
//! the preset's (the paper's statements, or derived here, as its `explain`
//! says); the lesson text only says where to look.

use crate::claims::{self, Claim};
use crate::presets::{self, Preset};

/// One step of the path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The step's own link name (`#lesson=ID`), lowercase with dashes; unique.
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The preset the step loads.
    pub preset: &'static str,
    /// Dotted-key settings over the preset (`key=value`, as `--set` takes them).
    pub set: &'static [&'static str],
    /// What to do, in plain words.
    pub todo: &'static str,
    /// The chart to watch (its key in the chart registry, `figures::SnapshotChart`);
    /// `None` when the number is in the Now table only (`todo` says which column).
    pub chart: Option<&'static str>,
    /// What the chart shows when the claim holds.
    pub expect: &'static str,
    /// The start of the text of the preset's claim whose pass ends the step.
    pub claim: &'static str,
}

impl Step {
    /// The step's preset.
    pub fn preset(&self) -> Option<&'static Preset> {
        presets::find(self.preset)
    }

    /// The step's config: its preset's, with [`Step::set`] applied (not yet validated).
    pub fn config(&self) -> Result<crate::config::Config, crate::config::ConfigError> {
        let p = self
            .preset()
            .ok_or_else(|| crate::config::ConfigError::Parse(format!("lesson `{}`: no preset `{}`", self.id, self.preset)))?;
        let sets: Vec<String> = self.set.iter().map(|x| x.to_string()).collect();
        crate::config::overrides::apply_all(&p.config()?, &sets)
    }

    /// The claim whose pass ends the step (the first of the preset's claims whose text starts with [`Step::claim`]).
    pub fn claim(&self) -> Option<&'static Claim> {
        claims::table::of(self.preset).iter().find(|c| c.text.starts_with(self.claim))
    }
}

/// The path, in order.
pub const PATH: &[Step] = &[
    Step {
        id: "align",
        title: "Weights line up with their gradient",
        preset: "alignment",
        set: &[],
        todo: "Press Play and let the run finish.",
        chart: Some("alignment"),
        expect: "the averaged cosine between W₁ and −∇L climbs to 1; the instantaneous one chatters below it (ReLU kinks under GD)",
        claim: "averaged cos(W₁, −∇L)",
    },
    Step {
        id: "norms",
        title: "Every layer ends with the same norm",
        preset: "norms",
        set: &[],
        todo: "Press Play: the layers start 10× apart in scale.",
        chart: Some("norms"),
        expect: "the lines of ‖W_k‖_F meet and stay together",
        claim: "relative spread of ‖W_k‖_F",
    },
    Step {
        id: "balance",
        title: "Imbalance decays at rate 2λ",
        preset: "balance-gf",
        set: &["train.lambda=0.1"],
        todo: "Press Play (gradient flow, λ = 0.1).",
        chart: Some("balance"),
        expect: "log‖D_k‖ falls on a straight line of slope −2λ",
        claim: "slope of log‖D_k‖ against −2λ",
    },
    Step {
        id: "low-rank",
        title: "Weight decay makes W₁ low-rank",
        preset: "rank-vs-lambda",
        set: &["train.lambda=0.05"],
        todo: "Press Play (λ = 0.05), then compare with λ = 0.001.",
        chart: Some("spectrum"),
        expect: "a few singular values of W₁ stay while the rest fall towards zero",
        claim: "stable rank of W₁ at λ = 0.05",
    },
    Step {
        id: "span",
        title: "Outside the data's span, weights vanish",
        preset: "data-span",
        set: &["train.lambda=0.01"],
        todo: "Press Play (λ = 0.01); the Now table's outside-span column is the number to watch.",
        chart: None,
        expect: "the part of W₁ outside span(X) shrinks as (1 − ηλ)ᵗ",
        claim: "part of W₁ outside span(X), relative",
    },
    Step {
        id: "merge",
        title: "Orthogonal tasks merge by adding weights",
        preset: "merge-orthogonal",
        set: &[],
        todo: "Press Play: two nets train on orthogonal inputs, then their weights are summed.",
        chart: Some("merge_accuracy"),
        expect: "the summed net scores as each task's own net on its task",
        claim: "summed net's output change on each task",
    },
    Step {
        id: "overlap",
        title: "Overlap breaks the merge",
        preset: "merge-overlap",
        set: &["data.rho=0.4"],
        todo: "Press Play with the tasks' inputs overlapping (ρ = 0.4).",
        chart: Some("merge_accuracy"),
        expect: "the summed net now changes the outputs on task a",
        claim: "output change on task a at ρ = 0.4",
    },
];

/// The step with link name `id`.
pub fn find(id: &str) -> Option<&'static Step> {
    PATH.iter().find(|s| s.id == id)
}

/// The path as Markdown (`lowrank-lab presets --lessons`): per step its title,
/// what to do, what to watch, the claim that ends it (as the claims table
/// states it) and the command that runs the same step natively.
pub fn markdown() -> String {
    let mut out = String::new();
    for (i, s) in PATH.iter().enumerate() {
        let watch = s.chart.map_or("the Now table".to_string(), |c| format!("the `{c}` chart"));
        let claim = s.claim().map_or_else(|| format!("(no claim `{}`)", s.claim), |c| c.line());
        let sets: String = s.set.iter().map(|x| format!(" --set {x}")).collect();
        out.push_str(&format!(
            "{}. **{}** (`{}`) — preset `{}`. {} Watch {}: {}.\n   - ends when: {}\n   - command line: `lowrank-lab run --preset {}{} --out {} --json`\n",
            i + 1,
            s.title,
            s.id,
            s.preset,
            s.todo,
            watch,
            s.expect,
            claim,
            s.preset,
            sets,
            s.id
        ));
    }
    out
}
