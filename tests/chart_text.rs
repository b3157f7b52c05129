//! Chart text is readable: no TeX markup (`_{`, `^{`, `W_k`, `‖…‖_F`) in any
//! title, axis name, legend or note of any registered chart; legends are
//! never cut; an undefined chart says why; "Not drawn:" appears at most once.

use lowrank_lab::charts;
use lowrank_lab::config::{Config, OutputLayer};
use lowrank_lab::figures::registry::{DrawError, SnapshotChart};
use lowrank_lab::run::{Run, Snapshot};

fn snapshot(preset: &str, patch: impl FnOnce(&mut Config)) -> Snapshot {
    let mut c = lowrank_lab::presets::find(preset).unwrap().config().unwrap();
    c.train.steps = c.train.steps.min(300);
    patch(&mut c);
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    run.snapshot()
}

/// The text content of every `<text>` element of an SVG document (XML entities undone).
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|s| {
            let body = &s[s.find('>')? + 1..];
            Some(
                body[..body.find("</text>")?]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
                    .trim()
                    .to_string(),
            )
        })
        .collect()
}

/// Every registered snapshot chart's SVG text at the page's card sizes (a half-width card, a
/// wide short one as spectrum-over-time gets) and a larger one.
fn chart_texts(s: &Snapshot) -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    for &chart in SnapshotChart::ALL {
        for (w, h) in [(463, 268), (800, 500), (980, 360), (984, 300)] {
            let mut drawn = true;
            let svg = charts::render_svg(w, h, |a| match chart.draw(a, s) {
                Ok(r) => Ok(r),
                Err(DrawError::NoMerge) => {
                    drawn = false;
                    Ok(charts::ChartReport::default())
                }
                Err(e) => panic!("{}: {e}", chart.key()),
            })
            .unwrap();
            if drawn {
                out.push((chart.key(), texts(&svg)));
            }
        }
    }
    out
}

const PRESETS: [&str; 5] = ["norms", "balance-gf", "merge-orthogonal", "alignment", "merge-deep"];

#[test]
fn no_tex_markup_in_any_chart_text() {
    let tex = ["_{", "^{", "W_k", "D_k", "_F", "θ_", "f_merged", "\\"];
    let mut seen = 0;
    for preset in PRESETS {
        let s = snapshot(preset, |_| {});
        for (key, texts) in chart_texts(&s) {
            assert!(!texts.is_empty(), "{preset}/{key}: no text found in the SVG");
            for t in &texts {
                seen += 1;
                for m in tex {
                    assert!(!t.contains(m), "{preset}/{key}: `{t}` contains TeX `{m}`");
                }
            }
        }
    }
    assert!(seen > 200, "only {seen} text elements read: the SVG parsing is off");
}

#[test]
fn unicode_forms_are_used() {
    let s = snapshot("balance-gf", |_| {});
    let all: Vec<String> = chart_texts(&s).into_iter().flat_map(|(_, t)| t).collect();
    let joined = all.join("\n");
    for want in ["Wₖ₊₁ᵀWₖ₊₁ − WₖWₖᵀ", "‖Wₖ‖ (Frobenius)", "exp(−2λt) (theory)"] {
        assert!(joined.contains(want), "`{want}` not in any chart text:\n{joined}");
    }
}

/// The balance legend ends with the full λ ("λ = 0.01", not "λ = 0…") even on
/// a card-sized chart; legends wrap instead of being cut.
#[test]
fn legends_are_never_cut() {
    for preset in PRESETS {
        let s = snapshot(preset, |_| {});
        for (key, texts) in chart_texts(&s) {
            for t in &texts {
                let cut = t.ends_with('…') && !t.starts_with("…");
                assert!(!cut, "{preset}/{key}: text cut to `{t}`");
            }
        }
    }
    let s = snapshot("balance-gf", |_| {});
    let lambda = s.config.train.lambda;
    let svg = charts::render_svg(463, 268, |a| Ok(SnapshotChart::Balance.draw(a, &s).unwrap())).unwrap();
    let joined = texts(&svg).join(" ");
    assert!(joined.contains(&format!("λ = {lambda}")), "λ = {lambda} missing from `{joined}`");
}

#[test]
fn balance_with_a_fixed_output_layer_says_it_is_undefined() {
    let s = snapshot("merge-orthogonal", |c| {
        c.net.output = OutputLayer::Fixed;
        c.net.widths = vec![16];
        c.net.frozen.clear();
    });
    let svg = charts::render_svg(463, 268, |a| Ok(SnapshotChart::Balance.draw(a, &s).unwrap())).unwrap();
    let joined = texts(&svg).join(" | ");
    assert!(joined.contains("not defined for this network (fixed output layer)"), "{joined}");
    assert!(!joined.contains("no data yet"), "{joined}");
}

#[test]
fn not_drawn_is_printed_once() {
    for preset in PRESETS {
        let s = snapshot(preset, |_| {});
        for (key, texts) in chart_texts(&s) {
            let n: usize = texts.iter().map(|t| t.matches("Not drawn").count()).sum();
            assert!(n <= 1, "{preset}/{key}: `Not drawn` {n} times");
        }
    }
}
