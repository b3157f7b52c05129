#![cfg(not(target_arch = "wasm32"))]
//! The decision-boundary panels (`figures::boundary_panels`) hold each net's
//! output at the documented grid-cell centres of its task's plane: checked
//! against the net evaluated on the lifted input x = R·(p₁, p₂, 1)
//! (`PlanarInfo::lift_point`), which the panels compute another way (W₁R on
//! plane coordinates), so the two agree to rounding, at every 37th cell.

use lowrank_lab::config::{Config, Generator};
use lowrank_lab::figures;
use lowrank_lab::merge::NetId;
use lowrank_lab::run::Run;
use ndarray::Array2;

#[test]
fn every_panel_holds_its_nets_outputs_on_the_lifted_plane() {
    let mut c = Config::default();
    c.data.generator = Generator::Planar;
    c.data.tasks = 2;
    c.net.widths = vec![32, 16];
    c.train.steps = 60;
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    let run = run.synced();
    let panels = figures::boundary_panels(&run);
    let nets = run.nets();
    assert_eq!(panels.len(), 2);
    let mut checked = 0;
    for (t, set) in panels.iter().enumerate() {
        let info = run.data().tasks[t].planar.as_ref().unwrap();
        // Panel order: the task's own net, then each merge (`boundary_panels`).
        let shown: Vec<_> = nets
            .iter()
            .filter(|(id, _)| matches!(id, NetId::Merged(_)) || *id == NetId::Task(t))
            .collect();
        assert_eq!(shown.len(), set.len());
        for ((_, net), panel) in shown.iter().zip(set) {
            let g = panel.grid;
            let (x0, x1, y0, y1) = panel.extent;
            assert_eq!(panel.values.len(), g * g);
            let scale = panel.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(scale > 1e-3, "{}: a trained net's outputs are not all ~0", panel.title);
            for cell in (0..g * g).step_by(37) {
                let (ix, iy) = (cell % g, cell / g);
                let p1 = x0 + (ix as f64 + 0.5) * (x1 - x0) / g as f64;
                let p2 = y0 + (iy as f64 + 0.5) * (y1 - y0) / g as f64;
                let x = info.lift_point(p1, p2);
                let xs = Array2::from_shape_vec((1, x.len()), x.to_vec()).unwrap();
                let want = net.forward(xs.view())[[0, 0]];
                let got = panel.values[cell];
                assert!(
                    (got - want).abs() <= 1e-12 * scale,
                    "{} cell ({ix}, {iy}): {got} vs {want}",
                    panel.title
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 4000, "{checked}");
}
