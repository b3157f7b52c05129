#![cfg(not(target_arch = "wasm32"))]
//! Native tests of the charts: every chart renders to SVG for normal data
//! (title, axis labels and series names present, shapes drawn) and survives
//! degenerate data (empty, constant, NaN, ±inf, 1e300, single point,
//! non-positive values on log axes) without panicking, reporting what it
//! dropped. Also writes one sample SVG per chart to
//! `<target>/chart-samples/NAME.svg` for people to look at.

use lowrank_lab::charts::*;
use std::path::PathBuf;

const W: u32 = 900;
const H: u32 = 520;

/// Escape text the way the SVG backend does.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// All text contents of the SVG joined by single spaces (so a legend label
/// wrapped over two lines still reads as one).
fn all_text(svg: &str) -> String {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
        .filter_map(|t| t.split("</text>").next())
        .map(|t| t.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_has(svg: &str, what: &str) {
    assert!(
        svg.contains(&esc(what)) || all_text(svg).contains(&esc(what)),
        "SVG lacks text {what:?}\n--- svg head ---\n{}",
        &svg[..svg.len().min(3000)]
    );
}

fn assert_shapes(svg: &str) {
    let n = svg.matches("<path").count()
        + svg.matches("<polyline").count()
        + svg.matches("<rect").count()
        + svg.matches("<polygon").count()
        + svg.matches("<circle").count();
    assert!(n > 5, "too few shapes ({n}) in SVG");
}

fn assert_valid_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "not an SVG document");
    assert!(svg.trim_end().ends_with("</svg>"), "SVG not closed");
    // numbers in element attributes must be finite (text may mention NaN)
    for tag in svg.split('<').filter_map(|t| t.split('>').next()) {
        assert!(!tag.contains("NaN") && !tag.contains("inf"), "non-finite coordinate in <{tag}>");
    }
}

fn samples_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let d = target.join("chart-samples");
    std::fs::create_dir_all(&d).expect("create chart-samples dir");
    d
}

macro_rules! render {
    ($f:path, $d:expr) => {
        render!($f, $d, W, H)
    };
    ($f:path, $d:expr, $w:expr, $h:expr) => {{
        let data = $d;
        let (svg, report) = render_svg_report($w, $h, |a| $f(a, &data)).expect("chart renders");
        assert_valid_svg(&svg);
        (svg, report)
    }};
}

// ---------------------------------------------------------------- data

fn loss_data() -> LossData {
    let decay = |rate: f64, floor: f64, wiggle: f64| -> Vec<(f64, f64)> {
        (0..400)
            .map(|s| {
                let t = s as f64;
                (t * 5.0, floor + (-(rate * t)).exp() * (1.0 + wiggle * (t * 0.37).sin()))
            })
            .collect()
    };
    LossData {
        title: String::new(),
        x_label: "step".into(),
        series: vec![
            Series::new("a", decay(0.02, 1e-4, 0.1)),
            Series::new("b", decay(0.012, 3e-4, 0.2)),
            Series::new("sum", decay(0.01, 2e-3, 0.05)),
        ],
    }
}

fn spectrum_data() -> SpectrumData {
    let layer = |name: &str, n: usize, keep: usize, scale: f64| LayerSpectrum {
        name: name.into(),
        singular_values: (0..n)
            .map(|i| {
                if i < keep {
                    scale * 3.0 / (1.0 + i as f64)
                } else {
                    scale * 1e-9 * (-(i as f64) / 3.0).exp()
                }
            })
            .collect(),
    };
    SpectrumData {
        title: String::new(),
        layers: vec![layer("W1", 16, 2, 1.0), layer("W2", 16, 2, 0.3), layer("W3", 8, 2, 4.0)],
        rank_bound: Some(2),
        tolerance: Some(vec![1e-12, 1e-12, 5e-13]),
    }
}

fn history_data() -> SpectrumHistory {
    let times: Vec<f64> = (0..120).map(|j| j as f64 * 10.0).collect();
    let spectra = times
        .iter()
        .map(|&t| {
            (0..12)
                .map(|i| {
                    if i < 3 {
                        2.0 - 0.3 * i as f64
                    } else {
                        (-(t * 0.004 * i as f64)).exp()
                    }
                })
                .collect()
        })
        .collect();
    SpectrumHistory {
        layer: "W1".into(),
        x_label: "step".into(),
        times,
        spectra,
        cursor: None,
    }
}

fn alignment_data() -> AlignmentData {
    let layer = |name: &str, rate: f64| {
        let inst: Vec<(f64, f64)> = (0..300)
            .map(|s| {
                let t = s as f64;
                (t, 1.0 - (-(rate * t)).exp() * 1.2 + 0.08 * (t * 1.3).sin())
            })
            .map(|(t, c)| (t, c.min(1.0)))
            .collect();
        let mut ema = Vec::new();
        let mut m = inst[0].1;
        for &(t, c) in &inst {
            m = 0.9 * m + 0.1 * c;
            ema.push((t, m));
        }
        AlignmentLayer {
            name: name.into(),
            instantaneous: inst,
            ema,
        }
    };
    AlignmentData {
        title: String::new(),
        x_label: "step".into(),
        layers: vec![layer("W1", 0.02), layer("W2", 0.01)],
        notes: vec![],
    }
}

fn stationarity_data() -> StationarityData {
    StationarityData {
        title: String::new(),
        x_label: "step".into(),
        series: vec![
            Series::new("W1", (0..300).map(|s| (s as f64, 10.0 * (-(s as f64) * 0.03).exp())).collect()),
            Series::new("W2", (0..300).map(|s| (s as f64, 5.0 * (-(s as f64) * 0.02).exp())).collect()),
        ],
        notes: vec![],
    }
}

fn norms_data() -> NormsData {
    NormsData {
        title: String::new(),
        x_label: "time".into(),
        layers: (1..=3)
            .map(|k| {
                Series::new(
                    format!("W{k}"),
                    (0..200)
                        .map(|s| {
                            let t = s as f64 * 0.5;
                            (t, 1.0 + k as f64 * (-(t * 0.02)).exp())
                        })
                        .collect(),
                )
            })
            .collect(),
    }
}

fn balance_data() -> BalanceData {
    let lambda = 0.01;
    BalanceData {
        title: String::new(),
        x_label: "time".into(),
        lambda,
        series: (1..=2)
            .map(|k| {
                Series::new(
                    format!("D{k}"),
                    (0..200)
                        .map(|s| {
                            let t = s as f64 * 2.0;
                            (t, k as f64 * (-(2.0 * lambda * t)).exp() * (1.0 + 0.05 * (t * 0.1).sin()))
                        })
                        .collect(),
                )
            })
            .collect(),
        anchor: Some((0.0, 1.0)),
        undefined: None,
    }
}

fn sweep_data() -> SweepData {
    SweepData {
        title: "Test accuracy of the summed net vs number of tasks K".into(),
        x_label: "number of tasks K".into(),
        y_label: "accuracy".into(),
        log_x: false,
        log_y: false,
        series: vec![
            Series::new("sum", (1..=8).map(|k| (k as f64, 1.0 - 0.04 * k as f64)).collect()),
            Series::new("mean", (1..=8).map(|k| (k as f64, 1.0 - 0.07 * k as f64)).collect()),
        ],
    }
}

fn rank_data() -> RankSweepData {
    let lambdas = vec![0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
    RankSweepData {
        title: String::new(),
        layers: (1..=2)
            .map(|k| LayerRankSweep {
                name: format!("W{k}"),
                stable_rank: lambdas.iter().map(|l| 1.0 + 6.0 / (1.0 + 500.0 * l * k as f64)).collect(),
                effective_rank: lambdas.iter().map(|l| 2.0 + 10.0 / (1.0 + 300.0 * l * k as f64)).collect(),
            })
            .collect(),
        lambdas,
    }
}

fn bars_data() -> MergeBarsData {
    MergeBarsData {
        title: String::new(),
        tasks: vec!["task a".into(), "task b".into()],
        nets: vec!["a".into(), "b".into(), "sum".into(), "mean".into()],
        values: vec![vec![0.01, 0.9], vec![0.8, 0.012], vec![0.015, 0.02], vec![0.3, 0.35]],
        metric: "test loss".into(),
        log_y: false,
    }
}

fn overlap_data() -> MergeOverlapData {
    MergeOverlapData {
        title: String::new(),
        x_label: "input overlap ‖P_A X_B‖/‖X_B‖".into(),
        y_label: "output change ‖f_sum − f_B‖/‖f_B‖".into(),
        points: (1..30)
            .map(|i| {
                let o = i as f64 / 30.0;
                (o, 0.6 * o * (1.0 + 0.3 * (i as f64).sin()))
            })
            .collect(),
        bound: (0..=10).map(|i| (i as f64 / 10.0, i as f64 / 10.0)).collect(),
        log_x: false,
        log_y: false,
    }
}

fn boundary(title: &str, angle: f64) -> BoundaryData {
    let g = 200;
    let (x0, x1, y0, y1) = (-2.0, 2.0, -2.0, 2.0);
    let (c, s) = (angle.cos(), angle.sin());
    let mut values = Vec::with_capacity(g * g);
    for iy in 0..g {
        for ix in 0..g {
            let x = x0 + (ix as f64 + 0.5) * (x1 - x0) / g as f64;
            let y = y0 + (iy as f64 + 0.5) * (y1 - y0) / g as f64;
            values.push((c * x + s * y) * (x * x + y * y - 0.8));
        }
    }
    let points = (0..80)
        .map(|i| {
            let a = i as f64 * 0.61;
            let r = 0.3 + 1.5 * ((i * 37 % 80) as f64 / 80.0);
            let (x, y) = (r * a.cos(), r * a.sin());
            let f = (c * x + s * y) * (x * x + y * y - 0.8);
            (x, y, if f > 0.0 { 1.0 } else { -1.0 })
        })
        .collect();
    BoundaryData {
        title: title.into(),
        grid: g,
        extent: (x0, x1, y0, y1),
        values,
        points,
    }
}

// ---------------------------------------------------------------- normal data

#[test]
fn loss_chart_normal() {
    let (svg, report) = render!(draw_loss, loss_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Training loss per task (log scale)");
    assert_has(&svg, "step");
    assert_has(&svg, "loss (log)");
    for n in ["a", "b", "sum"] {
        assert!(svg.contains(&format!("\n{n}\n</text>")), "legend lacks {n}");
    }
    assert_shapes(&svg);
}

#[test]
fn loss_chart_time_axis_is_named() {
    let mut d = loss_data();
    d.x_label = "time".into();
    let (svg, _) = render!(draw_loss, d);
    assert_has(&svg, "time t = η·step");
}

#[test]
fn spectrum_chart_normal() {
    let (svg, report) = render!(draw_spectrum, spectrum_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Singular values σᵢ of each weight matrix (log scale)");
    assert_has(&svg, "index i");
    assert_has(&svg, "σᵢ (log)");
    assert_has(&svg, "rank ≤ 2");
    for n in ["W1", "W2", "W3", "W1 rank tolerance"] {
        assert_has(&svg, n);
    }
    assert_shapes(&svg);
}

#[test]
fn spectrum_strip_normal() {
    let (svg, report) = render!(draw_spectrum_strip, history_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Spectrum of W1 over training");
    assert_has(&svg, "index i (σ₁ at top)");
    assert_has(&svg, "step");
    assert_has(&svg, "σᵢ/σ₁");
    assert_shapes(&svg);
    let (svg, _) = render!(draw_spectrum_strips, {
        let mut b = history_data();
        b.layer = "W2".into();
        vec![history_data(), b]
    });
    assert_has(&svg, "Spectrum of W2 over training");
}

#[test]
fn alignment_charts_normal() {
    let (svg, report) = render!(draw_alignment, alignment_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "cos(Wₖ, −∇L)");
    assert_has(&svg, "Alignment of each layer's weights");
    for n in ["W1", "W2", "instantaneous", "EMA (averaged)"] {
        assert_has(&svg, n);
    }
    assert_shapes(&svg);
    let (svg, _) = render!(draw_stationarity, stationarity_data());
    assert_has(&svg, "Stationarity residual");
    assert_has(&svg, "‖∇L + λθ‖ / ‖λθ‖ (log)");
    assert_has(&svg, "W2");
    assert_shapes(&svg);
    let (a, s) = (alignment_data(), stationarity_data());
    let (svg, _) = render_svg_report(W, 2 * H, |ar| draw_alignment_panels(ar, &a, &s)).unwrap();
    assert_has(&svg, "Stationarity residual");
    assert_has(&svg, "cos(Wₖ, −∇L)");
}

#[test]
fn norms_and_balance_normal() {
    let (svg, report) = render!(draw_norms, norms_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Frobenius norm ‖Wₖ‖ of each weight matrix");
    assert_has(&svg, "‖Wₖ‖ (Frobenius)");
    assert_has(&svg, "time t = η·step");
    for n in ["W1", "W2", "W3"] {
        assert_has(&svg, n);
    }
    assert_shapes(&svg);
    let (svg, report) = render!(draw_balance, balance_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Layer imbalance ‖Dₖ‖");
    assert_has(&svg, "‖Dₖ‖ (log)");
    assert_has(&svg, "exp(−2λt) (theory)");
    assert_has(&svg, "D1");
    assert_has(&svg, "D2");
    assert_shapes(&svg);
}

#[test]
fn sweep_and_ranks_normal() {
    let (svg, report) = render!(draw_sweep, sweep_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Test accuracy of the summed net vs number of tasks K");
    assert_has(&svg, "number of tasks K");
    assert_has(&svg, "accuracy");
    assert_has(&svg, "mean");
    assert_shapes(&svg);
    let (svg, report) = render!(draw_rank_sweep, rank_data());
    // λ = 0 cannot be placed on a log axis: listed as skipped
    assert!(report.skipped.iter().any(|s| s.contains("λ ≤ 0")), "{report:?}");
    assert_has(&svg, "Stable rank and effective rank");
    assert_has(&svg, "weight decay λ (log)");
    for n in ["W1 stable rank", "W1 effective rank", "W2 stable rank", "W2 effective rank"] {
        assert_has(&svg, n);
    }
    assert_has(&svg, "Not drawn:");
    assert_shapes(&svg);
}

#[test]
fn merge_charts_normal() {
    let (svg, report) = render!(draw_merge_bars, bars_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Test loss of each net on each task");
    assert_has(&svg, "task a");
    assert_has(&svg, "task b");
    for n in ["a", "b", "sum", "mean"] {
        // Legend entries say they are nets (the x axis holds the tasks).
        assert!(svg.contains(&format!("\nnet {n}\n</text>")), "legend lacks net {n}");
    }
    assert!(svg.matches("<rect").count() >= 8);
    let mut log = bars_data();
    log.log_y = true;
    log.metric = "loss".into();
    let (svg, report) = render!(draw_merge_bars, log);
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "loss (log)");

    let (svg, report) = render!(draw_merge_overlap, overlap_data());
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "Output change of the summed net vs input overlap");
    assert_has(&svg, "input overlap ‖P_A X_B‖/‖X_B‖");
    assert_has(&svg, "output change ‖f_sum − f_B‖/‖f_B‖");
    assert_has(&svg, "measured");
    assert_has(&svg, "bound (derived here, not the paper's constant)");
    assert_shapes(&svg);
}

#[test]
fn boundary_charts_normal() {
    let (svg, report) = render!(draw_boundary, boundary("net a", 0.3));
    assert!(report.skipped.is_empty(), "{report:?}");
    assert_has(&svg, "net a");
    assert_has(&svg, "input p₁");
    assert_has(&svg, "input p₂");
    assert_has(&svg, "f > 0 (predicts +1)");
    assert_has(&svg, "training point, label −1");
    assert_shapes(&svg);
    // run-length merged cells keep the SVG small
    assert!(svg.len() < 400_000, "boundary SVG is {} bytes", svg.len());
    let (svg, report) = render!(
        draw_boundaries,
        vec![boundary("net a", 0.3), boundary("net b", 1.9), boundary("a + b (merged)", 1.1)],
        1300,
        500
    );
    assert!(report.skipped.is_empty(), "{report:?}");
    for n in ["net a", "net b", "a + b (merged)", "Decision regions of each net"] {
        assert_has(&svg, n);
    }
}

// ---------------------------------------------------------------- degenerate data

fn series_cases() -> Vec<(&'static str, Vec<Series>, bool)> {
    // (case, series, whether something must be reported as skipped)
    vec![
        ("empty", vec![], false),
        ("empty series", vec![Series::new("a", vec![])], false),
        (
            "constant",
            vec![Series::new("a", (0..10).map(|i| (i as f64, 0.5)).collect())],
            false,
        ),
        ("all NaN", vec![Series::new("a", vec![(f64::NAN, f64::NAN); 5])], true),
        (
            "inf",
            vec![Series::new(
                "a",
                vec![(0.0, 1.0), (1.0, f64::INFINITY), (f64::NEG_INFINITY, 2.0), (3.0, 0.5)],
            )],
            true,
        ),
        (
            "huge",
            vec![Series::new("a", vec![(0.0, 1e300), (1.0, 1e-300), (2.0, 1.0), (1e300, 5.0)])],
            false,
        ),
        (
            "extreme",
            vec![Series::new(
                "a",
                vec![(-f64::MAX, f64::MAX), (f64::MAX, f64::MIN_POSITIVE), (0.0, 1.0)],
            )],
            false,
        ),
        ("single point", vec![Series::new("a", vec![(3.0, 0.2)])], false),
        ("constant at 1e300", vec![Series::new("a", vec![(1.0, 1e300), (2.0, 1e300)])], false),
    ]
}

fn nonpositive() -> Vec<Series> {
    vec![Series::new("a", vec![(0.0, 1.0), (1.0, 0.0), (2.0, -3.0), (3.0, 0.1)])]
}

fn check_degenerate(case: &str, svg: &str, report: &ChartReport, must_skip: bool) {
    if must_skip {
        assert!(!report.skipped.is_empty(), "{case}: nothing reported");
        assert!(svg.contains("Not drawn:"), "{case}: note not drawn");
    }
}

#[test]
fn line_charts_survive_degenerate_series() {
    for (case, series, must_skip) in series_cases() {
        let (svg, r) = render!(
            draw_loss,
            LossData {
                x_label: "step".into(),
                series: series.clone(),
                ..Default::default()
            }
        );
        check_degenerate(case, &svg, &r, must_skip);
        let (svg, r) = render!(
            draw_stationarity,
            StationarityData {
                x_label: "step".into(),
                series: series.clone(),
                ..Default::default()
            }
        );
        check_degenerate(case, &svg, &r, must_skip);
        let (svg, r) = render!(
            draw_norms,
            NormsData {
                x_label: "step".into(),
                layers: series.clone(),
                ..Default::default()
            }
        );
        check_degenerate(case, &svg, &r, must_skip);
        for lambda in [0.01, 0.0, f64::NAN, 1e300] {
            let (svg, r) = render!(
                draw_balance,
                BalanceData {
                    x_label: "time".into(),
                    lambda,
                    series: series.clone(),
                    anchor: None,
                    ..Default::default()
                }
            );
            check_degenerate(case, &svg, &r, must_skip);
        }
        for (log_x, log_y) in [(false, false), (true, true)] {
            let (svg, r) = render!(
                draw_sweep,
                SweepData {
                    x_label: "K".into(),
                    y_label: "accuracy".into(),
                    log_x,
                    log_y,
                    series: series.clone(),
                    ..Default::default()
                }
            );
            check_degenerate(case, &svg, &r, must_skip);
        }
        let pts: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.clone()).collect();
        let (svg, r) = render!(
            draw_merge_overlap,
            MergeOverlapData {
                points: pts.clone(),
                bound: pts.clone(),
                log_y: true,
                ..Default::default()
            }
        );
        check_degenerate(case, &svg, &r, must_skip);
        let (svg, r) = render!(
            draw_alignment,
            AlignmentData {
                x_label: "step".into(),
                layers: series
                    .iter()
                    .map(|s| AlignmentLayer {
                        name: s.name.clone(),
                        instantaneous: s.points.clone(),
                        ema: s.points.clone(),
                    })
                    .collect(),
                ..Default::default()
            }
        );
        check_degenerate(case, &svg, &r, must_skip);
    }
}

#[test]
fn log_axes_report_nonpositive_values() {
    let (svg, r) = render!(
        draw_loss,
        LossData {
            x_label: "step".into(),
            series: nonpositive(),
            ..Default::default()
        }
    );
    assert!(r.skipped.iter().any(|s| s.contains("y ≤ 0")), "{r:?}");
    assert!(svg.contains("Not drawn:"));
    let (_, r) = render!(
        draw_balance,
        BalanceData {
            x_label: "time".into(),
            lambda: 0.1,
            series: nonpositive(),
            ..Default::default()
        }
    );
    assert!(!r.skipped.is_empty());
    let (_, r) = render!(
        draw_sweep,
        SweepData {
            x_label: "λ".into(),
            y_label: "rank".into(),
            log_x: true,
            series: vec![Series::new("a", vec![(0.0, 1.0), (-1.0, 2.0), (0.1, 3.0)])],
            ..Default::default()
        }
    );
    assert!(r.skipped.iter().any(|s| s.contains("x ≤ 0")), "{r:?}");
}

#[test]
fn all_nan_shows_no_data() {
    let nan = vec![Series::new("a", vec![(f64::NAN, f64::NAN); 3])];
    let (svg, r) = render!(
        draw_loss,
        LossData {
            x_label: "step".into(),
            series: nan.clone(),
            ..Default::default()
        }
    );
    assert!(svg.contains("no data yet"));
    assert!(!r.skipped.is_empty());
    let (svg, r) = render!(
        draw_spectrum,
        SpectrumData {
            layers: vec![LayerSpectrum {
                name: "W1".into(),
                singular_values: vec![f64::NAN; 4],
            }],
            ..Default::default()
        }
    );
    assert!(svg.contains("no data yet"));
    assert!(!r.skipped.is_empty());
    let (svg, r) = render!(
        draw_spectrum_strip,
        SpectrumHistory {
            layer: "W1".into(),
            times: vec![0.0, 1.0],
            spectra: vec![vec![f64::NAN; 3]; 2],
            cursor: None,
            ..Default::default()
        }
    );
    assert!(svg.contains("no data yet"));
    assert!(!r.skipped.is_empty());
    let (svg, r) = render!(
        draw_merge_bars,
        MergeBarsData {
            tasks: vec!["t".into()],
            nets: vec!["a".into(), "b".into()],
            values: vec![vec![f64::NAN], vec![f64::INFINITY]],
            metric: "loss".into(),
            log_y: false,
            ..Default::default()
        }
    );
    assert!(svg.contains("no data yet"));
    assert!(!r.skipped.is_empty());
    let (svg, r) = render!(
        draw_boundary,
        BoundaryData {
            title: "net a".into(),
            grid: 2,
            extent: (f64::NAN, 1.0, 0.0, 1.0),
            values: vec![f64::NAN; 4],
            points: vec![(f64::NAN, 0.0, 1.0)],
        }
    );
    assert!(svg.contains("no data yet"));
    assert!(!r.skipped.is_empty());
    let (svg, _) = render!(draw_alignment, AlignmentData::default());
    assert!(svg.contains("no data yet"));
    let (svg, _) = render!(draw_norms, NormsData::default());
    assert!(svg.contains("no data yet"));
}

#[test]
fn spectrum_survives_degenerate_data() {
    let cases: Vec<(SpectrumData, bool)> = vec![
        (SpectrumData::default(), false),
        (
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W1".into(),
                    singular_values: vec![],
                }],
                rank_bound: Some(0),
                tolerance: Some(vec![]),
                ..Default::default()
            },
            false,
        ),
        (
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W1".into(),
                    singular_values: vec![1.0; 5],
                }],
                rank_bound: Some(1000),
                tolerance: Some(vec![f64::NAN, 1.0]),
                ..Default::default()
            },
            true,
        ),
        (
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W1".into(),
                    singular_values: vec![1e300, 1.0, 1e-300, 0.0, 0.0, -1.0, f64::INFINITY],
                }],
                rank_bound: Some(usize::MAX),
                tolerance: Some(vec![1e-320]),
                ..Default::default()
            },
            true,
        ),
        (
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W1".into(),
                    singular_values: vec![0.0; 6],
                }],
                ..Default::default()
            },
            true,
        ),
        (
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W1".into(),
                    singular_values: vec![2.0],
                }],
                ..Default::default()
            },
            false,
        ),
    ];
    for (i, (d, must_skip)) in cases.into_iter().enumerate() {
        let (svg, r) = render!(draw_spectrum, d);
        check_degenerate(&format!("spectrum case {i}"), &svg, &r, must_skip);
    }
}

#[test]
fn spectrum_strip_survives_degenerate_data() {
    let cases: Vec<(SpectrumHistory, bool)> = vec![
        (SpectrumHistory::default(), false),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: vec![1.0],
                spectra: vec![vec![3.0, 0.0, 1e-300]],
                cursor: None,
                ..Default::default()
            },
            false,
        ),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: vec![0.0, 1.0, 2.0],
                spectra: vec![vec![1.0; 4]; 3],
                cursor: None,
                ..Default::default()
            },
            false,
        ),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: vec![f64::NAN, -1e300, 1e300, 5.0],
                spectra: vec![vec![1.0, f64::NAN], vec![0.0, 0.0], vec![1e300, 1e-300, 1.0], vec![]],
                cursor: None,
                ..Default::default()
            },
            true,
        ),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: vec![0.0, 1.0, 2.0],
                spectra: vec![vec![1.0, 0.5]],
                cursor: None,
                ..Default::default()
            },
            true,
        ),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: vec![-f64::MAX, f64::MAX],
                spectra: vec![vec![1.0, 0.1]; 2],
                cursor: None,
                ..Default::default()
            },
            false,
        ),
        (
            SpectrumHistory {
                layer: "W1".into(),
                times: (0..5000).map(|i| i as f64).collect(),
                spectra: vec![vec![1.0, 0.1, 0.01]; 5000],
                cursor: None,
                ..Default::default()
            },
            true,
        ),
    ];
    for (i, (d, must_skip)) in cases.into_iter().enumerate() {
        let (svg, r) = render!(draw_spectrum_strip, d);
        check_degenerate(&format!("strip case {i}"), &svg, &r, must_skip);
    }
    let (svg, _) = render!(draw_spectrum_strips, Vec::<SpectrumHistory>::new());
    assert!(svg.contains("no data yet"));
}

#[test]
fn rank_sweep_survives_degenerate_data() {
    let cases = vec![
        (RankSweepData::default(), false),
        (
            RankSweepData {
                lambdas: vec![0.0],
                layers: vec![LayerRankSweep {
                    name: "W1".into(),
                    stable_rank: vec![1.0],
                    effective_rank: vec![2.0],
                }],
                ..Default::default()
            },
            true,
        ),
        (
            RankSweepData {
                lambdas: vec![1e-3, 1e-2, f64::NAN],
                layers: vec![LayerRankSweep {
                    name: "W1".into(),
                    stable_rank: vec![1.0, 1.0],
                    effective_rank: vec![f64::NAN; 3],
                }],
                ..Default::default()
            },
            true,
        ),
        (
            RankSweepData {
                lambdas: vec![1e-300, 1e300],
                layers: vec![LayerRankSweep {
                    name: "W1".into(),
                    stable_rank: vec![1e300, -1e300],
                    effective_rank: vec![],
                }],
                ..Default::default()
            },
            false,
        ),
    ];
    for (i, (d, must_skip)) in cases.into_iter().enumerate() {
        let (svg, r) = render!(draw_rank_sweep, d);
        check_degenerate(&format!("rank case {i}"), &svg, &r, must_skip);
    }
}

#[test]
fn merge_bars_survive_degenerate_data() {
    let cases = vec![
        (MergeBarsData::default(), false),
        (
            MergeBarsData {
                tasks: vec!["t1".into(), "t2".into()],
                nets: vec!["a".into()],
                values: vec![vec![0.5, 0.5]],
                metric: "accuracy".into(),
                ..Default::default()
            },
            false,
        ),
        (
            MergeBarsData {
                tasks: vec!["t1".into(), "t2".into()],
                nets: vec!["a".into(), "b".into()],
                values: vec![vec![-1.0, 0.0], vec![1e300]],
                metric: "loss".into(),
                log_y: true,
                ..Default::default()
            },
            true,
        ),
        (
            MergeBarsData {
                tasks: vec!["t1".into()],
                nets: vec!["a".into(), "b".into()],
                values: vec![vec![-2.0, 7.0], vec![1e300], vec![1.0]],
                metric: "margin".into(),
                ..Default::default()
            },
            true,
        ),
        (
            MergeBarsData {
                tasks: vec!["t1".into(), "t2".into(), "t3".into()],
                nets: (0..9).map(|i| format!("net {i}")).collect(),
                values: (0..9).map(|i| vec![i as f64 * 0.1, 1.0 - i as f64 * 0.1, 0.5]).collect(),
                metric: "accuracy".into(),
                ..Default::default()
            },
            false,
        ),
    ];
    for (i, (d, must_skip)) in cases.into_iter().enumerate() {
        let (svg, r) = render!(draw_merge_bars, d);
        check_degenerate(&format!("bars case {i}"), &svg, &r, must_skip);
    }
}

#[test]
fn boundaries_survive_degenerate_data() {
    let good = boundary("net a", 0.3);
    let cases = vec![
        (BoundaryData::default(), false),
        (
            BoundaryData {
                values: vec![1.0; 10],
                grid: 3,
                ..good.clone()
            },
            true,
        ),
        (
            BoundaryData {
                values: vec![],
                grid: 0,
                ..good.clone()
            },
            false,
        ),
        (
            BoundaryData {
                values: vec![0.0; 4],
                grid: 2,
                extent: (0.0, 0.0, 1.0, 1.0),
                points: vec![],
                ..good.clone()
            },
            true,
        ),
        (
            BoundaryData {
                grid: 2,
                values: vec![f64::NAN, 1.0, -1.0, 0.0],
                extent: (-1e300, 1e300, -1.0, 1.0),
                points: vec![(0.0, 0.0, 0.0), (1e300, 1.0, 1.0), (f64::NAN, 1.0, -1.0)],
                ..good.clone()
            },
            true,
        ),
        (
            BoundaryData {
                grid: usize::MAX,
                values: vec![1.0],
                ..good.clone()
            },
            true,
        ),
    ];
    for (i, (d, must_skip)) in cases.into_iter().enumerate() {
        let (svg, r) = render!(draw_boundary, d.clone());
        check_degenerate(&format!("boundary case {i}"), &svg, &r, must_skip);
        let (svg, r) = render!(draw_boundaries, vec![d.clone(), good.clone()]);
        check_degenerate(&format!("boundaries case {i}"), &svg, &r, must_skip);
    }
    let (svg, _) = render!(draw_boundaries, Vec::<BoundaryData>::new());
    assert!(svg.contains("no data yet"));
}

#[test]
fn tiny_and_narrow_areas_do_not_panic() {
    for (w, h) in [(1, 1), (20, 10), (120, 90), (300, 200), (420, 300), (2000, 120)] {
        let _ = render!(draw_loss, loss_data(), w, h);
        let _ = render!(draw_spectrum, spectrum_data(), w, h);
        let _ = render!(draw_spectrum_strip, history_data(), w, h);
        let _ = render!(draw_alignment, alignment_data(), w, h);
        let _ = render!(draw_balance, balance_data(), w, h);
        let _ = render!(draw_rank_sweep, rank_data(), w, h);
        let _ = render!(draw_merge_bars, bars_data(), w, h);
        let _ = render!(draw_merge_overlap, overlap_data(), w, h);
        let _ = render!(draw_boundaries, vec![boundary("a", 0.1), boundary("b", 1.0)], w, h);
    }
    assert!(matches!(
        render_svg(0, 10, |a| draw_loss(a, &loss_data())),
        Err(ChartError::EmptySize(0, 10))
    ));
}

#[test]
fn many_series_get_markers_and_legend() {
    let series: Vec<Series> = (0..12)
        .map(|k| {
            Series::new(
                format!("task {k}"),
                (0..100).map(|s| (s as f64, (-(s as f64) * 0.01 * (k + 1) as f64).exp())).collect(),
            )
        })
        .collect();
    let (svg, _) = render!(
        draw_loss,
        LossData {
            x_label: "step".into(),
            series,
            ..Default::default()
        }
    );
    assert_has(&svg, "task 11");
    assert!(svg.contains("<circle"), "markers expected with many series");
}

#[test]
fn data_structs_round_trip_through_json() {
    // (serde_json may round the last bit of floats: compare what matters)
    let d = spectrum_data();
    let s = serde_json::to_string(&d).unwrap();
    let back: SpectrumData = serde_json::from_str(&s).unwrap();
    assert_eq!(d.layers.len(), back.layers.len());
    assert_eq!(d.rank_bound, back.rank_bound);
    for (a, b) in d.layers.iter().zip(&back.layers) {
        assert_eq!(a.name, b.name);
        for (x, y) in a.singular_values.iter().zip(&b.singular_values) {
            assert!((x - y).abs() <= 1e-14 * x.abs());
        }
    }
    let b = bars_data();
    let back: MergeBarsData = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
    assert_eq!(b, back);
    // missing optional fields take their defaults
    let l: LossData = serde_json::from_str(r#"{"x_label":"step","series":[]}"#).unwrap();
    assert_eq!(
        l,
        LossData {
            x_label: "step".into(),
            ..Default::default()
        }
    );
}

#[test]
fn write_chart_samples() {
    let dir = samples_dir();
    let write = |name: &str, svg: String| {
        std::fs::write(dir.join(format!("{name}.svg")), svg).expect("write sample");
    };
    write("loss", render!(draw_loss, loss_data()).0);
    write("spectrum", render!(draw_spectrum, spectrum_data()).0);
    write("spectrum_strip", render!(draw_spectrum_strip, history_data()).0);
    let (a, s) = (alignment_data(), stationarity_data());
    write("alignment", render!(draw_alignment, a.clone()).0);
    write("stationarity", render!(draw_stationarity, s.clone()).0);
    write(
        "alignment_panels",
        render_svg(W, 2 * H, |ar| draw_alignment_panels(ar, &a, &s)).unwrap(),
    );
    write("norms", render!(draw_norms, norms_data()).0);
    write("balance", render!(draw_balance, balance_data()).0);
    write("sweep", render!(draw_sweep, sweep_data()).0);
    write("rank_sweep", render!(draw_rank_sweep, rank_data()).0);
    write("merge_bars", render!(draw_merge_bars, bars_data()).0);
    write("merge_overlap", render!(draw_merge_overlap, overlap_data()).0);
    write(
        "boundaries",
        render!(
            draw_boundaries,
            vec![boundary("net a", 0.3), boundary("net b", 1.9), boundary("a + b (merged)", 1.1)],
            1300,
            500
        )
        .0,
    );
    write(
        "loss_no_data",
        render!(
            draw_loss,
            LossData {
                x_label: "step".into(),
                series: vec![Series::new("a", vec![(f64::NAN, 1.0); 3])],
                ..Default::default()
            }
        )
        .0,
    );
    write("loss_narrow", render!(draw_loss, loss_data(), 380, 300).0);
    // a few degenerate inputs, to eyeball how they degrade
    write(
        "loss_huge_range",
        render!(
            draw_loss,
            LossData {
                x_label: "step".into(),
                series: vec![
                    Series::new("a", vec![(0.0, 1e300), (1.0, 1e-300), (2.0, f64::NAN), (3.0, 1.0)]),
                    Series::new("b", vec![(0.0, -1.0), (1.0, 0.0), (2.0, 1e10)]),
                ],
                ..Default::default()
            }
        )
        .0,
    );
    write(
        "norms_constant",
        render!(
            draw_norms,
            NormsData {
                x_label: "step".into(),
                layers: vec![Series::new("W1", vec![(5.0, 2.0), (5.0, 2.0)])],
                ..Default::default()
            }
        )
        .0,
    );
    write(
        "merge_bars_many",
        render!(
            draw_merge_bars,
            MergeBarsData {
                tasks: vec!["t1".into(), "t2".into(), "t3".into()],
                nets: (0..9).map(|i| format!("net {i}")).collect(),
                values: (0..9).map(|i| vec![i as f64 * 0.1, 1.0 - i as f64 * 0.1, -0.2]).collect(),
                metric: "margin".into(),
                ..Default::default()
            }
        )
        .0,
    );
    write(
        "spectrum_strip_single",
        render!(
            draw_spectrum_strip,
            SpectrumHistory {
                layer: "W2".into(),
                times: vec![3.0],
                spectra: vec![vec![2.0, 1.0, 0.0]],
                cursor: None,
                ..Default::default()
            }
        )
        .0,
    );
    write(
        "loss_many_series",
        render!(
            draw_loss,
            LossData {
                x_label: "time".into(),
                series: (0..12)
                    .map(|k| {
                        Series::new(
                            format!("task {k}"),
                            (0..100).map(|s| (s as f64, (-(s as f64) * 0.01 * (k + 1) as f64).exp())).collect(),
                        )
                    })
                    .collect(),
                ..Default::default()
            }
        )
        .0,
    );
    write(
        "boundaries_narrow",
        render!(draw_boundaries, vec![boundary("net a", 0.3), boundary("net b", 1.9)], 420, 300).0,
    );
    write("merge_bars_narrow", render!(draw_merge_bars, bars_data(), 420, 300).0);
    write("spectrum_narrow", render!(draw_spectrum, spectrum_data(), 420, 320).0);
    assert!(dir.join("loss.svg").exists());
}

/// xorshift generator of awkward values for the stress test.
struct Gen(u64);

impl Gen {
    fn u(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Normal numbers of many magnitudes mixed with zeros, negatives, NaN,
    /// ±inf, subnormals and extremes.
    fn v(&mut self) -> f64 {
        const SPECIALS: [f64; 14] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e300,
            -1e300,
            1e-300,
        ];
        let n = self.u();
        if n.is_multiple_of(3) {
            SPECIALS[(n / 3) as usize % SPECIALS.len()]
        } else {
            ((n >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 10f64.powi((n % 9) as i32 - 4)
        }
    }
    fn pts(&mut self, len: usize) -> Vec<(f64, f64)> {
        (0..len).map(|_| (self.v(), self.v())).collect()
    }
}

/// Deterministic pseudo-random stress on random canvas sizes: no panics,
/// valid SVG, no non-finite coordinates.
#[test]
fn random_garbage_never_panics() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for round in 0..60 {
        let len = (g.u() % 12) as usize;
        let series: Vec<Series> = (0..(round % 4)).map(|k| Series::new(format!("s{k}"), g.pts(len))).collect();
        let w = 1 + (g.u() % 1200) as u32;
        let h = 1 + (g.u() % 700) as u32;
        let sv: Vec<f64> = (0..len).map(|_| g.v()).collect();
        let _ = render!(
            draw_loss,
            LossData {
                x_label: "step".into(),
                series: series.clone(),
                ..Default::default()
            },
            w,
            h
        );
        let _ = render!(
            draw_balance,
            BalanceData {
                x_label: "time".into(),
                lambda: g.v(),
                series: series.clone(),
                anchor: Some((g.v(), g.v())),
                ..Default::default()
            },
            w,
            h
        );
        let _ = render!(
            draw_sweep,
            SweepData {
                x_label: "x".into(),
                y_label: "y".into(),
                log_x: round % 2 == 0,
                log_y: round % 3 == 0,
                series: series.clone(),
                ..Default::default()
            },
            w,
            h
        );
        let _ = render!(
            draw_spectrum,
            SpectrumData {
                layers: vec![LayerSpectrum {
                    name: "W".into(),
                    singular_values: sv.clone(),
                }],
                rank_bound: Some((g.u() % 20) as usize),
                tolerance: Some(vec![g.v()]),
                ..Default::default()
            },
            w,
            h
        );
        let _ = render!(
            draw_spectrum_strip,
            SpectrumHistory {
                layer: "W".into(),
                times: (0..len).map(|_| g.v()).collect(),
                spectra: (0..len).map(|_| sv.clone()).collect(),
                cursor: None,
                ..Default::default()
            },
            w,
            h
        );
        let _ = render!(
            draw_merge_bars,
            MergeBarsData {
                tasks: (0..len.min(4)).map(|i| format!("t{i}")).collect(),
                nets: vec!["a".into(), "b".into()],
                values: vec![sv.clone(), sv.iter().rev().copied().collect()],
                metric: "m".into(),
                log_y: round % 2 == 1,
                ..Default::default()
            },
            w,
            h
        );
        let p = g.pts(len);
        let _ = render!(
            draw_merge_overlap,
            MergeOverlapData {
                points: p.clone(),
                bound: g.pts(len),
                log_x: round % 2 == 0,
                log_y: round % 3 == 0,
                ..Default::default()
            },
            w,
            h
        );
        let n = (g.u() % 4) as usize;
        let _ = render!(
            draw_boundaries,
            vec![BoundaryData {
                title: "n".into(),
                grid: n,
                extent: (g.v(), g.v(), g.v(), g.v()),
                values: (0..n * n).map(|_| g.v()).collect(),
                points: p.iter().map(|&(x, y)| (x, y, g.v())).collect(),
            }],
            w,
            h
        );
    }
}

#[test]
fn text_scales_with_the_pixel_ratio() {
    use lowrank_lab::charts::{draw_loss, render_svg, with_pixel_ratio, LossData, Series};
    let data = LossData {
        title: "Training loss per task".into(),
        x_label: "step".into(),
        series: vec![Series::new("task a", vec![(0.0, 1.0), (10.0, 0.1)])],
    };
    let max_font = |svg: &str| {
        svg.split("font-size=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next()?.trim_end_matches("px").parse::<f64>().ok())
            .fold(0.0f64, f64::max)
    };
    let one = render_svg(900, 540, |a| draw_loss(a, &data)).unwrap();
    let two = with_pixel_ratio(2.0, || render_svg(1800, 1080, |a| draw_loss(a, &data))).unwrap();
    let (f1, f2) = (max_font(&one), max_font(&two));
    assert!(f1 > 0.0 && (f2 / f1 - 2.0).abs() < 0.05, "{f1} vs {f2}");
}

// ---------------------------------------------------------------- every merge method vs a sweep

#[test]
fn method_sweep_panels_share_series_and_report_what_they_skip() {
    let methods = ["sum", "regmean", "ties"];
    let panel = |y: &str, log_y: bool, zero_first: bool| SweepData {
        title: y.into(),
        x_label: "overlap ρ".into(),
        y_label: y.into(),
        log_x: false,
        log_y,
        series: methods
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Series::new(
                    *m,
                    [0.0, 0.4, 0.8]
                        .iter()
                        .map(|&r| {
                            (
                                r,
                                if zero_first && i == 0 && r == 0.0 {
                                    0.0
                                } else {
                                    0.1 + r * (i + 1) as f64
                                },
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
    };
    let data = MethodSweepData {
        panels: vec![panel("accuracy on task a", false, false), panel("max change", true, true)],
    };
    let (svg, report) = render!(draw_method_sweep, data, W, 2 * H);
    for text in ["accuracy on task a", "max change", "overlap ρ", "sum", "regmean", "ties"] {
        assert_has(&svg, text);
    }
    // The sum's exact 0 at ρ = 0 cannot sit on the log axis: reported, prefixed by its panel.
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    assert!(report.skipped[0].starts_with("max change: "), "{report:?}");
    assert_shapes(&svg);
    std::fs::write(samples_dir().join("method_sweep.svg"), &svg).unwrap();
    // No panels and all-NaN panels draw "no data yet" without panicking.
    let (svg, _) = render!(draw_method_sweep, MethodSweepData::default(), W, H);
    assert_valid_svg(&svg);
    let nan = MethodSweepData {
        panels: vec![SweepData {
            series: vec![Series::new("sum", vec![(f64::NAN, f64::NAN)])],
            ..SweepData::default()
        }],
    };
    let (_, report) = render!(draw_method_sweep, nan, 300, 200);
    assert!(!report.skipped.is_empty());
}

/// Points left out as not meaningful (issue 15) are said so under the charts.
#[test]
fn alignment_and_stationarity_charts_say_what_they_left_out() {
    let note = format!("cos(Wₖ, −∇L): 3 points {}", lowrank_lab::run::notes::ROUNDING_LEVEL);
    let mut a = alignment_data();
    a.notes = vec![note.clone()];
    let (svg, report) = render!(draw_alignment, a);
    assert_eq!(report.skipped, vec![note.clone()]);
    assert_has(&svg, "not meaningful: gradient at rounding level");
    let mut s = stationarity_data();
    s.notes = vec![note.clone()];
    let (_, report) = render!(draw_stationarity, s);
    assert_eq!(report.skipped, vec![note]);
}
