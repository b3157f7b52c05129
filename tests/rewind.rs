//! Rewind (`live::rewind`): the snapshot rebuilt at a recorded step from the
//! finished run's histories shows what the run paused at that step showed —
//! the same current numbers and notes, and (while the history was not thinned)
//! the same charts, byte for byte; merges and claims, which are not recorded
//! per step, are absent; a step that is not recorded is refused with its
//! neighbours named.

use lowrank_lab::charts;
use lowrank_lab::figures::registry::SnapshotChart;
use lowrank_lab::live::rewind::{self, RewindError};
use lowrank_lab::run::{Run, Snapshot};

fn run_of(preset: &str, patch: impl FnOnce(&mut lowrank_lab::config::Config)) -> Run {
    let mut c = lowrank_lab::presets::find(preset).unwrap().config().unwrap();
    patch(&mut c);
    let mut run = Run::new(&c.validate().unwrap());
    run.check_claims(preset, None).unwrap();
    run
}

/// The snapshot of `run` paused at `at` steps, and at the end of its budget.
fn paused_and_end(mut run: Run, at: u64) -> (Snapshot, Snapshot) {
    run.advance(at);
    let paused = run.snapshot();
    run.run_to_end();
    (paused, run.snapshot())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

fn svg(chart: SnapshotChart, s: &Snapshot) -> String {
    charts::render_svg(600, 400, |a| Ok(chart.draw(a, s).unwrap())).unwrap()
}

#[test]
fn rewound_to_a_recorded_step_shows_what_the_paused_run_showed() {
    // Two tasks (a merge to leave out), 600 steps recorded every 20, a history that never thins.
    let run = run_of("merge-orthogonal", |c| {
        c.train.steps = 600;
        c.train.record_every = 20;
        c.train.history_len = 1000;
    });
    let (paused, end) = paused_and_end(run, 240);
    assert!(paused.merge.is_some() && !paused.claims.is_empty());
    assert_eq!(end.tasks[0].current.step, 600);

    let at = rewind::at_step(&end, 240).unwrap();
    for (r, p) in at.tasks.iter().zip(&paused.tasks) {
        assert_eq!(json(&r.current), json(&p.current), "task {}: current metrics", r.task);
        assert_eq!(json(&r.notes), json(&p.notes), "task {}: notes", r.task);
        // A paused run's history ends at the point before its current one (the
        // current point joins it when training goes on); the rewound history has it.
        let (last, before) = r.history.points.split_last().unwrap();
        assert_eq!(last.step, 240);
        assert!(
            json(last) == json(&p.current),
            "task {}: the rewound history ends at the paused state",
            r.task
        );
        let steps = |s: &[lowrank_lab::train::Metrics]| s.iter().map(|m| m.step).collect::<Vec<_>>();
        assert_eq!(steps(before), steps(&p.history.points), "task {}: history steps", r.task);
        assert!(json(&before) == json(&p.history.points), "task {}: history points", r.task);
        assert_eq!(json(&r.status), json(&p.status), "task {}: status (running at step 240)", r.task);
    }
    assert!(
        at.merge.is_none(),
        "not rebuilt from the history: the page trains the run again for it (live::replay)"
    );
    assert!(at.claims.is_empty(), "the claims are checked on the latest state only");
    // Every chart that does not need the merge report draws the same picture
    // as the paused run's with its current point in its history.
    let mut paused = paused;
    for t in &mut paused.tasks {
        t.history.points.push(t.current.clone());
    }
    let mut compared = 0;
    for &chart in SnapshotChart::ALL {
        // (The merge charts are not in a bundle without a merge report; balance
        // is undefined with a fixed output layer, rewound or not.)
        if !chart.in_bundle(&at) {
            assert!(chart.key().starts_with("merge_") || !chart.in_bundle(&paused), "{}", chart.key());
            continue;
        }
        assert_eq!(svg(chart, &at), svg(chart, &paused), "{}", chart.key());
        compared += 1;
    }
    assert!(compared >= 6, "{compared} charts compared");
    // The end itself is the end.
    let last = rewind::at_step(&end, 600).unwrap();
    assert_eq!(json(&last.tasks[0].current), json(&end.tasks[0].current));
    assert_eq!(json(&last.tasks[0].status), json(&end.tasks[0].status));
}

#[test]
fn a_thinned_history_rewinds_to_the_steps_it_kept_and_names_the_others() {
    // 64 points of capacity over 4000 steps recorded every 10: the stride grows to 8.
    let run = run_of("data-span", |c| {
        c.train.steps = 4000;
        c.train.record_every = 10;
        c.train.history_len = 64;
    });
    let (paused, end) = paused_and_end(run, 1600);
    let steps = rewind::recorded_steps(&end);
    assert!(steps.len() <= 65 && steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    assert!(steps.contains(&1600), "1600 is a multiple of the final spacing: {steps:?}");
    let at = rewind::at_step(&end, 1600).unwrap();
    assert_eq!(json(&at.tasks[0].current), json(&paused.tasks[0].current));
    assert_eq!(at.tasks[0].history.points.last().unwrap().step, 1600);
    // A step between two kept points is refused, with both named.
    let (before, after) = (steps[steps.len() / 2], steps[steps.len() / 2 + 1]);
    let between = before + 10;
    assert!(between < after);
    assert_eq!(
        rewind::at_step(&end, between).unwrap_err(),
        RewindError::NotRecorded {
            step: between,
            before: Some(before),
            after: Some(after)
        }
    );
    assert_eq!(rewind::recorded_at_or_before(&end, between), Some(before));
    assert_eq!(rewind::recorded_at_or_before(&end, 0), Some(0));
}

/// Rewound, spectrum-over-time shows the whole run with a cursor at the step
/// (not a history cut at it): the strips hold every recorded point of the
/// latest state, and the chart draws the cursor (a white line) only when asked.
#[test]
fn spectrum_over_time_rewound_shows_the_whole_run_with_a_cursor() {
    let run = run_of("data-span", |c| {
        c.train.steps = 600;
        c.train.record_every = 20;
        c.train.history_len = 1000;
    });
    let (_, end) = paused_and_end(run, 0);
    let whole = lowrank_lab::figures::spectrum_history(&end, 0);
    let at = lowrank_lab::figures::spectrum_history_at(&end, 0, 240.0);
    assert_eq!(at.len(), whole.len());
    for (a, w) in at.iter().zip(&whole) {
        assert_eq!((&a.times, &a.spectra), (&w.times, &w.spectra));
        assert_eq!(*a.times.last().unwrap(), 600.0);
        assert_eq!(a.cursor, Some(240.0));
    }
    let draw = |h: &[charts::SpectrumHistory]| charts::render_svg(900, 540, |a| charts::draw_spectrum_strips(a, h)).unwrap();
    let white = |svg: &str| svg.matches(r##"stroke="#FFFFFF""##).count();
    assert_eq!(white(&draw(&at)), white(&draw(&whole)) + at.len(), "one cursor line per strip");
    let mut outside = at.clone();
    outside[0].cursor = Some(1e9);
    let (svg, report) = charts::render_svg_report(900, 540, |a| charts::draw_spectrum_strips(a, &outside)).unwrap();
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.contains("cursor at 1000000000 outside the history")),
        "{:?}",
        report.skipped
    );
    assert_eq!(white(&svg), white(&draw(&whole)) + at.len() - 1);
}
