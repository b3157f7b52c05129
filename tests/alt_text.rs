//! Text alternatives of the charts (`figures::alt_text`, the canvases'
//! aria-labels): every snapshot chart has one naming the chart, the task and
//! the step, and the numbers in it are the snapshot's to 4 significant digits
//! (read back from the text and compared with the snapshot's own values).

use lowrank_lab::figures::alt_text::alt_text;
use lowrank_lab::figures::registry::SnapshotChart;
use lowrank_lab::run::Run;

fn snapshot(preset: &str, steps: u64) -> lowrank_lab::run::Snapshot {
    let mut c = lowrank_lab::presets::find(preset).unwrap().config().unwrap();
    c.train.steps = steps;
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    run.snapshot()
}

/// The number after the last `label` in `text` (up to the next ',', ';', ' ' or ')').
fn number_after(text: &str, label: &str) -> f64 {
    let at = text.rfind(label).unwrap_or_else(|| panic!("`{label}` not in `{text}`")) + label.len();
    let rest = &text[at..];
    let end = rest.find([',', ';', ' ', ')']).unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("`{}` after `{label}`: {e}", &rest[..end]))
}

fn close(read: f64, value: f64) -> bool {
    (read - value).abs() <= 5e-4 * value.abs()
}

#[test]
fn every_chart_has_a_text_alternative_with_the_snapshot_numbers() {
    let s = snapshot("norms", 400);
    let m = &s.tasks[0].current;
    for &chart in SnapshotChart::ALL {
        let text = alt_text(chart, &s);
        assert!(text.contains("step 400"), "{}: {text}", chart.key());
        assert!(!text.contains('<'), "{}: markup in `{text}`", chart.key());
        assert!(text.len() > 30, "{}: {text}", chart.key());
    }
    let loss = alt_text(SnapshotChart::Loss, &s);
    assert!(close(number_after(&loss, "loss L = "), m.loss), "{loss} vs {}", m.loss);
    assert!(close(number_after(&loss, "objective F = "), m.objective), "{loss}");
    let norms = alt_text(SnapshotChart::Norms, &s);
    for (k, l) in m.layers.iter().enumerate() {
        let read = number_after(&norms, &format!("‖W{}‖ = ", k + 1));
        assert!(close(read, l.frobenius), "{norms}: layer {} {}", k + 1, l.frobenius);
    }
    let al = alt_text(SnapshotChart::Alignment, &s);
    let cos = m.layers[0].alignment_cos_avg.unwrap();
    assert!(
        close(number_after(&al, "W1: cos(W, −∇L) = "), m.layers[0].alignment_cos.unwrap()),
        "{al}"
    );
    let w1 = &al[..al.find(", W2").unwrap()];
    assert!(close(number_after(w1, "averaged "), cos), "{al}");
    let sp = alt_text(SnapshotChart::Spectrum, &s);
    assert!(
        close(number_after(&sp, "W1 largest singular values "), m.layers[0].singular_values[0]),
        "{sp}"
    );
}

#[test]
fn merge_charts_read_every_net_on_every_task() {
    let s = snapshot("merge-orthogonal", 300);
    let r = s.merge.as_ref().unwrap();
    let acc = alt_text(SnapshotChart::MergeAccuracy, &s);
    for e in &r.evals {
        let read = number_after(&acc, &format!("net {} on task {}: ", e.net, e.task));
        assert!(close(read, e.accuracy), "{acc}: {} on {}", e.net, e.task);
    }
    assert!(alt_text(SnapshotChart::MergePath, &s).contains("barrier"));
    let single = snapshot("norms", 50);
    assert!(alt_text(SnapshotChart::MergeLoss, &single).ends_with("nothing merged"));
}
